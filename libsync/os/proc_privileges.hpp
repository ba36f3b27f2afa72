// Dropping root after start-up: run as an unprivileged user, keeping only the rights still needed.
//
// OpenNTPD's rule: bind the privileged port and open what needs root first,
// then become a user who can do nothing else.  When the daemon must still
// adjust the clock, it keeps CAP_SYS_TIME; when it must still start its web
// process as a user of its own, it keeps CAP_SETUID and CAP_SETGID in its
// permitted set (not the effective one), which only that child raises to
// switch users before it executes the web process.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "os/error.hpp"

namespace lansync::os {

// A user's IDs as the user database gives them: the user and its primary group.
struct UserIds {
  uid_t uid;
  gid_t gid;
};

// The IDs of the user of that name, or nullopt when there is none.
std::optional<UserIds> user_ids(const std::string& name);

// The capabilities drop_privileges keeps.
struct KeptRights {
  bool sys_time = false;     // CAP_SYS_TIME, effective: the daemon adjusts the clock
  bool switch_user = false;  // CAP_SETUID and CAP_SETGID, permitted only: for become_user in a child
};

// Becomes user (name; its primary group, no supplementary groups), keeping only the
// capabilities named in keep.  When the process is not root, or already runs as that user,
// does nothing and says so in the returned note.
OsResult<std::string> drop_privileges(const std::string& user, KeptRights keep);

// Becomes user u for good, in this order: no supplementary groups, u's group as the real,
// effective and saved group, u as the real, effective and saved user; each step checked, and
// the result read back.  Raises CAP_SETUID and CAP_SETGID from the permitted set first (what
// drop_privileges kept with switch_user).  Only system calls: safe in a child between fork and
// exec.  False when a step failed (the caller must not exec).
bool become_user(UserIds u) noexcept;

// Sends sig to pid.  When this process may not (EPERM: the target runs as another user), a
// short-lived child becomes user as (become_user) and sends it: the right to switch users that
// started the process is the right to signal it, and no CAP_KILL is needed.  False when the
// signal could not be sent.
bool signal_as(pid_t pid, int sig, std::optional<UserIds> as);

// Creates dir if missing and makes user its owner, so that a daemon that
// drops to user can still replace files in it (atomic writes need the
// directory).  Root only.
Status give_directory_to(const std::string& dir, const std::string& user);

// Leaves this process, and what it executes next, no capability: empties the bounding, ambient,
// inheritable, permitted and effective sets and sets PR_SET_NO_NEW_PRIVS, so that even a root
// process gains none at execve.  Only system calls: safe in a child between fork and exec.
// False when a step failed (the caller should not exec).
bool shed_all_capabilities() noexcept;

// Makes this process the OOM killer's first choice (oom_score_adj 1000); false when
// /proc/self/oom_score_adj cannot be written.  That is the case between fork and exec in the
// child of a process that changed its user: it is not dumpable, so its /proc files belong to
// root; after the exec they are its own.  Only system calls: safe between fork and exec.
bool volunteer_for_oom_kill() noexcept;

// The start of a helper process of sntpd's (sntpd-web, sntpd-mqtt): log lines named program,
// no_new_privs (sntpd set it before the exec too; whoever starts it, it gains no privilege), and
// the first in line for the OOM killer (sntpd's write before the exec fails when sntpd runs as
// its --user; here /proc/self is the helper's own).
void start_helper(const char* program);

// Whether a user of that name exists on this machine.
bool user_exists(const std::string& name);

// The primary group of user, or -1 if there is no such user.
int group_of(const std::string& user);

// The first of the names that exists as a user on this machine, or "".
std::string first_existing_user(const std::string& a, const std::string& b);

}  // namespace lansync::os
