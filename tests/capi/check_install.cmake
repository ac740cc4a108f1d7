# ctest capi.install: the installed C API as applications see it. Installs the build into a
# scratch prefix, then compiles examples/c/chat.c twice and runs each program against the
# installed libconclave.so.0: with the flags of `pkg-config --cflags --libs conclave` (the
# installed conclave.pc, beside the CMake package in lib/), and as a CMake project linking
# conclave::c_api from find_package(Conclave). Run as:
#   cmake -DBUILD_DIR=<build> -DWORK_DIR=<scratch> -DCC=<c compiler> -DPKG_CONFIG=<pkg-config>
#         -DEXAMPLE=<examples/c/chat.c> -DLIBDIR=<lib dir name> -P check_install.cmake
foreach(var BUILD_DIR WORK_DIR CC PKG_CONFIG EXAMPLE LIBDIR)
  if(NOT ${var})
    message(FATAL_ERROR "${var} not set")
  endif()
endforeach()
function(run out)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${command} failed (${rc}):\n${stdout}\n${stderr}")
  endif()
  set(${out} "${stdout}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${prefix})
run(ignored ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(path ${LIBDIR}/pkgconfig/conclave.pc ${LIBDIR}/cmake/Conclave/ConclaveConfig.cmake
             ${LIBDIR}/libconclave.so ${LIBDIR}/libconclave.so.0 include/conclave/conclave.h)
  if(NOT EXISTS ${prefix}/${path})
    message(FATAL_ERROR "not installed: ${prefix}/${path}")
  endif()
endforeach()
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
set(ENV{PKG_CONFIG_LIBDIR} ${prefix}/${LIBDIR}/pkgconfig)
run(flags ${PKG_CONFIG} --cflags --libs conclave)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(ignored ${CC} -std=c99 -Wall -Wextra -Werror ${EXAMPLE} ${flags} -o ${WORK_DIR}/chat)
set(ENV{LD_LIBRARY_PATH} ${prefix}/${LIBDIR})
run(output ${WORK_DIR}/chat)
run(needed readelf -d ${WORK_DIR}/chat)
if(NOT needed MATCHES "libconclave\\.so\\.0")
  message(FATAL_ERROR "the program does not need libconclave.so.0 (its SONAME):\n${needed}")
endif()

# The CMake package's conclave::c_api. pkg-config searches the system again: the package finds
# its dependencies with it (libsodium, gRPC).
unset(ENV{PKG_CONFIG_LIBDIR})
unset(ENV{PKG_CONFIG_PATH})
set(project ${WORK_DIR}/cmake_consumer)
file(REMOVE_RECURSE ${project})
file(MAKE_DIRECTORY ${project})
file(WRITE ${project}/CMakeLists.txt
     "cmake_minimum_required(VERSION 3.20)\n"
     "project(CApiConsumer LANGUAGES C CXX)\n"
     "find_package(Conclave REQUIRED)\n"
     "add_executable(chat ${EXAMPLE})\n"
     "target_link_libraries(chat PRIVATE conclave::c_api)\n")
run(ignored ${CMAKE_COMMAND} -S ${project} -B ${project}/build -DCMAKE_C_COMPILER=${CC}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run(ignored ${CMAKE_COMMAND} --build ${project}/build)
unset(ENV{LD_LIBRARY_PATH})  # the build tree's RPATH names the installed library
run(output ${project}/build/chat)
message(STATUS "examples/c/chat.c built with pkg-config and with conclave::c_api against the "
               "installed libconclave.so.0, and run")
