// The tandem executable. Everything lives in libraries; this only hands over to the CLI.
#include "cli/commands.h"

int main(int argc, char** argv) {
  return tandem::cli::run(argc, argv);
}
