// Background work below request threads: lowering the calling thread's scheduling priority.
// POSIX and Linux only.
#pragma once

namespace tandem::core {

// Lowers the calling thread's priority by `levels` nice levels (to at most 19); threads it
// starts afterwards inherit it. Best effort: nothing happens where the system refuses.
void lower_thread_priority(int levels);

}  // namespace tandem::core
