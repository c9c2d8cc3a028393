// Command-line parsing and dispatch (CLI11). Exit codes, documented in docs/OPERATIONS.md:
//   0 success, 1 runtime failure (cannot bind, cannot open the log), 2 usage or configuration
//   error.
#pragma once

namespace tandem::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int run(int argc, char** argv);

}  // namespace tandem::cli
