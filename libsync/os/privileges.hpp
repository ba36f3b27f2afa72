// Dropping root after start-up: run as an unprivileged user, keeping only CAP_SYS_TIME if needed.
//
// OpenNTPD's rule: bind the privileged port and open what needs root first,
// then become a user who can do nothing else.  When the daemon must still
// adjust the clock, it keeps CAP_SYS_TIME and no other capability.
#pragma once

#include <string>

#include "os/error.hpp"

namespace lansync::os {

// Becomes user (name; its primary group, no supplementary groups).  When the
// process is not root, or already runs as that user, does nothing and says so
// in the returned note.  keep_sys_time: keep CAP_SYS_TIME (and only it).
OsResult<std::string> drop_privileges(const std::string& user, bool keep_sys_time);

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

// Whether a user of that name exists on this machine.
bool user_exists(const std::string& name);

// The primary group of user, or -1 if there is no such user.
int group_of(const std::string& user);

// The first of the names that exists as a user on this machine, or "".
std::string first_existing_user(const std::string& a, const std::string& b);

}  // namespace lansync::os
