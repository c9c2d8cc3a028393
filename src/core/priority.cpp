// Thread priority. POSIX and Linux only.
#include "core/priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace tandem::core {

void lower_thread_priority(int levels) {
  auto tid = static_cast<id_t>(::gettid());
  errno = 0;
  int nice = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) (void)::setpriority(PRIO_PROCESS, tid, std::min(nice + levels, 19));
}

}  // namespace tandem::core
