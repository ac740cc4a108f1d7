# ctest install.consumer: installs the build into a scratch prefix, checks that no internal
# header (a detail/ folder) was installed and that every other header was, then configures and
# builds the project beside this file, which compiles the examples against the installed package
# alone. Run as:
#   cmake -DSOURCE_DIR=<repo> -DBUILD_DIR=<build> -DWORK_DIR=<scratch> -DCXX=<compiler>
#         [-DLAUNCHER=<ccache>] [-DBUILD_TYPE=<type>] [-DCXX_FLAGS=<flags>]
#         [-DLINKER_FLAGS=<flags>] [-DDS_CLIENT=ON] -P check.cmake
# The flags are the build's CMAKE_CXX_FLAGS and CMAKE_EXE_LINKER_FLAGS, so the consumer is
# compiled the way the library was (scripts/coverage.sh sets them; a flag such as -stdlib=libc++
# would change the library's ABI). DS_CLIENT: the build has conclave::ds_client (the gRPC
# transport), which a program of the consumer then links and runs.
foreach(var SOURCE_DIR BUILD_DIR WORK_DIR CXX)
  if(NOT ${var})
    message(FATAL_ERROR "${var} not set")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${command} failed (${rc}):\n${out}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${prefix})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# The installed headers: those of the source tree outside detail/ folders, no more, no less.
file(GLOB_RECURSE installed LIST_DIRECTORIES true RELATIVE ${prefix}/include ${prefix}/include/*)
file(GLOB_RECURSE sources RELATIVE ${SOURCE_DIR}/include ${SOURCE_DIR}/include/*)
list(FILTER sources EXCLUDE REGEX "(^|/)detail/")
set(installed_files "")
foreach(path ${installed})
  if(path MATCHES "(^|/)detail(/|$)")
    message(FATAL_ERROR "An internal header folder was installed: ${prefix}/include/${path}")
  endif()
  if(NOT IS_DIRECTORY ${prefix}/include/${path})
    list(APPEND installed_files ${path})
  endif()
endforeach()
list(SORT installed_files)
list(SORT sources)
if(NOT installed_files STREQUAL sources)
  set(missing ${sources})
  list(REMOVE_ITEM missing ${installed_files})
  set(extra ${installed_files})
  list(REMOVE_ITEM extra ${sources})
  message(FATAL_ERROR "Installed headers differ from include/ without detail/:\n"
                      "  not installed: ${missing}\n  unexpected: ${extra}")
endif()
list(LENGTH installed_files header_count)

# An application built from the installation alone.
set(consumer ${WORK_DIR}/consumer)
file(REMOVE_RECURSE ${consumer})
set(configure ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install_consumer -B ${consumer}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_PREFIX_PATH=${prefix} -DCONCLAVE_EXPECTED_PREFIX=${prefix}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCONCLAVE_EXAMPLES_DIR=${SOURCE_DIR}/examples)
if(LAUNCHER)
  list(APPEND configure -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
if(DS_CLIENT)
  list(APPEND configure -DCONCLAVE_EXPECT_DS_CLIENT=ON)
endif()
run(${configure})
run(${CMAKE_COMMAND} --build ${consumer})
set(ds_client_note "")
if(DS_CLIENT)
  run(${consumer}/ds_client_consumer)
  set(ds_client_note ", and a program of conclave::ds_client built and run")
endif()
message(STATUS "Installed ${header_count} headers, no detail/ folder; the examples built "
               "against the installed package${ds_client_note}")
