# Integration and end-to-end tests (node:test), registered with CTest. Included by the root
# CMakeLists.txt. They run the built server binary, so run CTest after building:
#   ninja -C build shangliang && ctest --test-dir build -L integration --output-on-failure
#   ctest --test-dir build -L e2e            (needs web/dist and Chromium)
# No DEPENDS: CTest does not build; a missing binary makes the harness say so.

set(SL_SERVER_BIN "${CMAKE_BINARY_DIR}/shangliang")

# The API suite on a fresh SQLite file per test file (SL_TEST_DATABASE_URL unset).
add_test(NAME integration_sqlite
         COMMAND ${NODE_PROGRAM} --test tests/integration/
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(integration_sqlite PROPERTIES
  LABELS integration
  TIMEOUT 300
  ENVIRONMENT "SHANGLIANG_BIN=${SL_SERVER_BIN}"
  ENVIRONMENT_MODIFICATION "SL_TEST_DATABASE_URL=unset:")

# The same suite on a throwaway PostgreSQL 15 (scripts/services.sh), stopped whatever happens.
add_test(NAME integration_postgres
         COMMAND bash tests/integration/run-postgres.sh
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(integration_postgres PROPERTIES
  LABELS integration
  TIMEOUT 600
  ENVIRONMENT "SHANGLIANG_BIN=${SL_SERVER_BIN};NODE=${NODE_PROGRAM}"
  ENVIRONMENT_MODIFICATION "SL_TEST_DATABASE_URL=unset:"
  # Each run starts its own PostgreSQL on a free port; keep two of them from racing for one.
  RESOURCE_LOCK sl_postgres_port)

# Browser tests (tests/e2e, headless Chromium), one file at a time.
add_test(NAME e2e
         COMMAND ${NODE_PROGRAM} --test --test-concurrency=1 tests/e2e/
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e PROPERTIES
  LABELS e2e
  TIMEOUT 900
  ENVIRONMENT "SHANGLIANG_BIN=${SL_SERVER_BIN}")
