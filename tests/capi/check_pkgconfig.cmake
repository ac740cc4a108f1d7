# ctest capi.pkgconfig: the C API as an application outside CMake sees it. Installs the build
# into a scratch prefix, then compiles examples/c/chat.c with the flags of
# `pkg-config --cflags --libs conclave` (the installed conclave.pc, beside the CMake package in
# lib/), and runs it against the installed libconclave.so.0. Run as:
#   cmake -DBUILD_DIR=<build> -DWORK_DIR=<scratch> -DCC=<c compiler> -DPKG_CONFIG=<pkg-config>
#         -DEXAMPLE=<examples/c/chat.c> -DLIBDIR=<lib dir name> -P check_pkgconfig.cmake
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
message(STATUS "examples/c/chat.c built with pkg-config against the installed libconclave.so.0")
