# libFuzzer targets (tests/fuzz/README.md). Included by the root CMakeLists.txt.
#
# Built only in the clang sanitizer tree (SL_FUZZ: SL_SANITIZE=ON with clang, which is what
# scripts/test.sh makes build-asan): the libraries there carry the fuzzer's coverage
# instrumentation (-fsanitize=fuzzer-no-link) besides ASan + UBSan, and each target links
# libFuzzer's main (-fsanitize=fuzzer).
#
# Registered as CTest tests (label `fuzz`) in the main tree, like unit_sanitized: each runs its
# binary from build-asan for a short fixed budget over the seed corpus (tests/fuzz/run.sh).
# bench/fuzz.sh runs them longer.
set(SL_FUZZ_TARGETS http json live markdown csv)

if(SL_FUZZ)
  add_library(sl_fuzz_world STATIC ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_world.cc)
  target_link_libraries(sl_fuzz_world PUBLIC sl_app)
  set(SL_FUZZ_BINARIES)
  foreach(t ${SL_FUZZ_TARGETS})
    add_executable(fuzz_${t} ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_${t}.cc)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
    if(t STREQUAL "markdown")
      target_link_libraries(fuzz_${t} PRIVATE sl_modules)
    else()
      target_link_libraries(fuzz_${t} PRIVATE sl_fuzz_world)
    endif()
    list(APPEND SL_FUZZ_BINARIES fuzz_${t})
  endforeach()
  add_custom_target(fuzz_targets DEPENDS ${SL_FUZZ_BINARIES})
endif()

if(NOT SL_SANITIZE)
  set(SL_FUZZ_BIN_DIR "${CMAKE_SOURCE_DIR}/build-asan" CACHE PATH
      "Where the fuzz targets are (the clang SL_SANITIZE=ON tree scripts/test.sh builds)")
  set(SL_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs in the test suite")
  foreach(t ${SL_FUZZ_TARGETS})
    add_test(NAME fuzz_${t}
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/fuzz/run.sh ${SL_FUZZ_BIN_DIR}/fuzz_${t} ${t} ${SL_FUZZ_SECONDS}
                     ${CMAKE_BINARY_DIR}/fuzz
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(fuzz_${t} PROPERTIES LABELS "fuzz;sanitizer" TIMEOUT 300)
  endforeach()
endif()
