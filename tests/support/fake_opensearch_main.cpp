// The test-only OpenSearch as a process of its own, for end-to-end tests of several `tandem serve`
// processes over one OpenSearch: prints "port N" on stdout once it listens on 127.0.0.1, serves
// until SIGTERM or SIGINT, then exits 0. Its model is tests/support/fake_opensearch.h's.
#include <csignal>
#include <iostream>

#include "support/fake_opensearch.h"

int main() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before the server's threads inherit the mask
  tandem::testing::FakeOpenSearch fake;
  std::cout << "port " << fake.port() << std::endl;
  int signal = 0;
  sigwait(&stop, &signal);
  return 0;
}
