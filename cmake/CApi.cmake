# The C API (issue 19): include/conclave/conclave.h over the C++ library, as the shared library
# libconclave.so.<CONCLAVE_C_SOVERSION> with a pkg-config file, its checks, the C test program,
# the C example and the Python package's tests. Included at the end of CMakeLists.txt.
#
# Names: the target is conclave_c (the C++ static library is `conclave`, libconclave.a); its
# file is libconclave.so, so `-lconclave` (pkg-config) picks the C API while CMake users of the
# C++ API link libconclave.a by its full path. The SONAME's number is the ABI's, raised on any
# incompatible change of conclave.h, independently of the project's version.
enable_language(C)
set(CMAKE_C_STANDARD 99)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
if(CCACHE_PROGRAM)
  set(CMAKE_C_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()
set(CONCLAVE_C_SOVERSION 0)

file(GLOB CONCLAVE_CAPI_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/capi/*.cpp)
add_library(conclave_c SHARED ${CONCLAVE_CAPI_SOURCES})
add_library(conclave::c_api ALIAS conclave_c)
target_include_directories(conclave_c PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_include_directories(conclave_c INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_definitions(conclave_c PRIVATE CONCLAVE_C_API_BUILD)
target_link_libraries(conclave_c PRIVATE conclave)
if(TARGET conclave_ds_client)
  # conclave_transport_new_grpc(): the gRPC transport to conclave-ds.
  target_link_libraries(conclave_c PRIVATE conclave_ds_client)
  target_compile_definitions(conclave_c PRIVATE CONCLAVE_CAPI_GRPC=1)
endif()
set(conclave_c_exports ${PROJECT_SOURCE_DIR}/src/capi/exports.map)
target_link_options(conclave_c PRIVATE -Wl,--version-script=${conclave_c_exports}
                    -Wl,--exclude-libs,ALL)
set_target_properties(conclave_c PROPERTIES
  OUTPUT_NAME conclave
  VERSION ${PROJECT_VERSION}
  SOVERSION ${CONCLAVE_C_SOVERSION}
  CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON
  LINK_DEPENDS ${conclave_c_exports}
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib
  EXPORT_NAME c_api)
install(TARGETS conclave_c EXPORT ConclaveTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
configure_file(${PROJECT_SOURCE_DIR}/cmake/conclave.pc.in ${PROJECT_BINARY_DIR}/conclave.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/conclave.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(CONCLAVE_BUILD_TOOLS)
  # examples/c: the C API in one page, built against libconclave.so alone.
  file(GLOB CONCLAVE_C_EXAMPLES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/examples/c/*.c)
  foreach(src ${CONCLAVE_C_EXAMPLES})
    get_filename_component(name ${src} NAME_WE)
    string(REPLACE "_" "-" exe conclave-c-${name})
    add_executable(${exe} ${src})
    target_link_libraries(${exe} PRIVATE conclave_c)
  endforeach()
endif()

if(NOT CONCLAVE_BUILD_TESTS)
  return()
endif()
enable_testing()
# The header is C99 and C11 (and C++) without a warning (issue 19, "ABI discipline").
add_test(NAME capi.header COMMAND ${CMAKE_COMMAND} -DCC=${CMAKE_C_COMPILER}
         -DCXX=${CMAKE_CXX_COMPILER} -DHEADER=${PROJECT_SOURCE_DIR}/include/conclave/conclave.h
         -DWORK_DIR=${PROJECT_BINARY_DIR}/capi_header
         -P ${PROJECT_SOURCE_DIR}/tests/capi/check_header.cmake)
set_tests_properties(capi.header PROPERTIES LABELS capi)
# The exported symbols are exactly the committed list: a new function is added to it on purpose.
add_test(NAME capi.symbols COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM}
         -DLIBRARY=$<TARGET_FILE:conclave_c>
         -DEXPECTED=${PROJECT_SOURCE_DIR}/src/capi/symbols.txt
         -P ${PROJECT_SOURCE_DIR}/tests/capi/check_symbols.cmake)
set_tests_properties(capi.symbols PROPERTIES LABELS capi)
# The C test program: the three-member scenario, error mapping, persistence and a randomized
# sequence, all through conclave.h (under ASan + UBSan and LeakSanitizer in that build).
add_executable(capi_test ${PROJECT_SOURCE_DIR}/tests/capi/capi_test.c
               ${PROJECT_SOURCE_DIR}/tests/capi/capi_random.c)
target_link_libraries(capi_test PRIVATE conclave_c Threads::Threads)
add_test(NAME capi.scenarios COMMAND capi_test)
set_tests_properties(capi.scenarios PROPERTIES LABELS capi TIMEOUT 120)
if(conclave_sanitize MATCHES "^(ON|TRUE|YES|Y|1)$")
  # LeakSanitizer is on by default with ASan on Linux; said here, so a leak fails the test.
  set_tests_properties(capi.scenarios PROPERTIES ENVIRONMENT ASAN_OPTIONS=detect_leaks=1)
endif()
if(CONCLAVE_BUILD_TOOLS)
  add_test(NAME examples.c_chat COMMAND conclave-c-chat)
  set_tests_properties(examples.c_chat PROPERTIES LABELS capi)
endif()
# The installed conclave.pc, CMake target conclave::c_api and libconclave.so.0 as C programs use
# them. Not in the sanitizer builds, whose library would need the sanitizer runtimes at the
# program's link.
find_program(CONCLAVE_PKG_CONFIG pkg-config)
if(CONCLAVE_PKG_CONFIG AND conclave_sanitize MATCHES "^(OFF|FALSE|NO|N|0|)$")
  add_test(NAME capi.install COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR}
           -DWORK_DIR=${PROJECT_BINARY_DIR}/capi_install -DCC=${CMAKE_C_COMPILER}
           -DPKG_CONFIG=${CONCLAVE_PKG_CONFIG} -DEXAMPLE=${PROJECT_SOURCE_DIR}/examples/c/chat.c
           -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
           -P ${PROJECT_SOURCE_DIR}/tests/capi/check_install.cmake)
  set_tests_properties(capi.install PROPERTIES LABELS "capi;install" TIMEOUT 600)
endif()

# The Python package (python/) over libconclave.so with Debian's python3, cffi and pytest. Not in
# the sanitizer builds: an instrumented libconclave.so needs the sanitizer runtime preloaded into
# the interpreter, and the C test program above already runs the same calls under the sanitizers.
if(conclave_sanitize MATCHES "^(OFF|FALSE|NO|N|0|)$" AND NOT CONCLAVE_FUZZ)
  find_program(CONCLAVE_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT CONCLAVE_PYTHON)
    find_program(CONCLAVE_PYTHON NAMES python3)
  endif()
  set(python_env CONCLAVE_LIBRARY=$<TARGET_FILE:conclave_c>
      PYTHONPATH=${PROJECT_SOURCE_DIR}/python PYTHONDONTWRITEBYTECODE=1)
  if(TARGET conclave-ds)
    list(APPEND python_env CONCLAVE_DS=$<TARGET_FILE:conclave-ds>)
  endif()
  add_test(NAME python.bindings
           COMMAND ${CONCLAVE_PYTHON} -m pytest -q -p no:cacheprovider
                   ${PROJECT_SOURCE_DIR}/python/tests)
  set_tests_properties(python.bindings PROPERTIES LABELS python TIMEOUT 600
                       ENVIRONMENT "${python_env}")
endif()
