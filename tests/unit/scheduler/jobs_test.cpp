// Filled in by the tests for this module.
