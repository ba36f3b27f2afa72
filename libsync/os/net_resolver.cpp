// Background name resolution; see net_resolver.hpp.
#include "os/net_resolver.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace lansync::os {

struct Resolver::Shared {
  Lookup lookup;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::pair<size_t, HostPort>> requests;
  std::vector<Answer> answers;
  bool stopping = false;
  int pipe_read = -1;  // one byte per answer; the owner polls and drains it
  int pipe_write = -1;

  ~Shared() {
    if (pipe_read >= 0) ::close(pipe_read);
    if (pipe_write >= 0) ::close(pipe_write);
  }

  // The thread: takes requests in order until the owner stops it.
  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait(lock, [this] { return stopping || !requests.empty(); });
      if (stopping) return;
      auto [id, hp] = requests.front();
      requests.pop_front();
      lock.unlock();
      Answer a{id, lookup(hp)};
      lock.lock();
      if (stopping) return;
      answers.push_back(std::move(a));
      char byte = 1;
      ssize_t rc = ::write(pipe_write, &byte, 1);  // a full pipe already says "answers waiting"
      (void)rc;
    }
  }
};

Resolver::Resolver(Lookup lookup) : shared_(std::make_shared<Shared>()) {
  shared_->lookup = lookup ? std::move(lookup) : [](const HostPort& hp) { return resolve(hp); };
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    shared_->pipe_read = fds[0];
    shared_->pipe_write = fds[1];
  }
  // The thread inherits the signal mask in force when it is created: none for it.
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  std::thread([shared = shared_] { shared->run(); }).detach();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

Resolver::~Resolver() {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->stopping = true;
  shared_->wake.notify_all();
}

void Resolver::request(size_t id, const HostPort& hp) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->requests.emplace_back(id, hp);
  shared_->wake.notify_all();
}

int Resolver::fd() const { return shared_->pipe_read; }

std::vector<Resolver::Answer> Resolver::take() {
  char buf[64];
  while (::read(shared_->pipe_read, buf, sizeof(buf)) > 0) {
  }
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return std::exchange(shared_->answers, {});
}

}  // namespace lansync::os
