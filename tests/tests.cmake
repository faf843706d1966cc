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

# The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer. scripts/test.sh
# builds them in their own tree (build-asan) before running CTest; a missing binary fails.
if(NOT SL_SANITIZE)
  set(SL_ASAN_UNIT_TESTS "${CMAKE_SOURCE_DIR}/build-asan/sl_unit_tests" CACHE FILEPATH
      "Unit test binary built with SL_SANITIZE=ON")
  add_test(NAME unit_sanitized COMMAND ${SL_ASAN_UNIT_TESTS})
  set_tests_properties(unit_sanitized PROPERTIES
    LABELS "unit;sanitizer"
    TIMEOUT 600
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()

# Crash safety (tests/crash): kill -9 the server 20 times under write load, on SQLite and on a
# throwaway PostgreSQL. Measured on the shared 2-core machine (load ~15): 38 s on SQLite, about
# 110 s on PostgreSQL (server start and ledger verify per round). `ctest -L crash`.
add_test(NAME crash_sqlite
         COMMAND ${NODE_PROGRAM} --test tests/crash/crash.test.mjs
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(crash_sqlite PROPERTIES
  LABELS crash
  TIMEOUT 300
  ENVIRONMENT "SHANGLIANG_BIN=${SL_SERVER_BIN}"
  ENVIRONMENT_MODIFICATION "SL_TEST_DATABASE_URL=unset:")
add_test(NAME crash_postgres
         COMMAND bash tests/integration/run-postgres.sh tests/crash/crash.test.mjs
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(crash_postgres PROPERTIES
  LABELS crash
  TIMEOUT 300
  ENVIRONMENT "SHANGLIANG_BIN=${SL_SERVER_BIN};NODE=${NODE_PROGRAM}"
  ENVIRONMENT_MODIFICATION "SL_TEST_DATABASE_URL=unset:"
  RESOURCE_LOCK sl_postgres_port)

# deploy/: nginx -t on the site, the shipped configuration files load. `ctest -L deploy`.
add_test(NAME deploy_files
         COMMAND ${NODE_PROGRAM} --test tests/deploy/deploy.test.mjs
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(deploy_files PROPERTIES
  LABELS deploy
  TIMEOUT 60
  ENVIRONMENT "SHANGLIANG_BIN=${SL_SERVER_BIN}")
# The cluster tests (tests/cluster): two server processes, one PostgreSQL, one Redis, all
# started by the test on loopback (scripts/services.sh). About a minute.
add_test(NAME cluster
         COMMAND ${NODE_PROGRAM} --test --test-concurrency=1 tests/cluster/
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(cluster PROPERTIES
  LABELS cluster
  TIMEOUT 300
  ENVIRONMENT "SHANGLIANG_BIN=${SL_SERVER_BIN}"
  RESOURCE_LOCK "sl_postgres_port;sl_redis_port")
