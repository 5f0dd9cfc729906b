"""The embedded development stack (a MongoDB-compatible server and an S3 server as children);
offers :class:`EmbeddedStack` to the CLI, the benchmarks and the tests."""
