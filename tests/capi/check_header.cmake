# ctest capi.header (issue 19, "ABI discipline"): include/conclave/conclave.h compiles on its own
# as C99 and C11 with -Wall -Wextra -Werror -pedantic (and a few stricter warnings), and as C++20,
# so it holds no C++ type and nothing a C compiler would warn about. Run as:
#   cmake -DCC=<c compiler> -DCXX=<c++ compiler> -DHEADER=<conclave.h> -DWORK_DIR=<dir> -P ...
foreach(var CC CXX HEADER WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "${var} not set")
  endif()
endforeach()
file(MAKE_DIRECTORY ${WORK_DIR})
get_filename_component(include_dir ${HEADER} DIRECTORY)
get_filename_component(include_dir ${include_dir} DIRECTORY)
# conclave.h and each of its parts (conclave_*.h beside it), each alone in a translation unit
# that includes it first and uses a name from it.
get_filename_component(header_dir ${HEADER} DIRECTORY)
file(GLOB headers ${header_dir}/conclave*.h)
set(warnings -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -Wmissing-prototypes -Wshadow
    -Wconversion)
foreach(header ${headers})
  get_filename_component(name ${header} NAME)
  set(tu ${WORK_DIR}/${name}.c)
  file(WRITE ${tu} "#include \"conclave/${name}\"\n"
                   "const char* check(void);\n"
                   "const char* check(void) { return conclave_version(); }\n")
  foreach(standard c99 c11)
    execute_process(COMMAND ${CC} -std=${standard} ${warnings} -I${include_dir} -fsyntax-only ${tu}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${name} does not compile as ${standard}:\n${out}")
    endif()
  endforeach()
  execute_process(COMMAND ${CXX} -std=c++20 -Wall -Wextra -Werror -pedantic -I${include_dir}
                          -fsyntax-only -x c++ ${tu}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} does not compile as C++20:\n${out}")
  endif()
endforeach()
list(LENGTH headers count)
if(count LESS 4)
  message(FATAL_ERROR "expected conclave.h and its three parts in ${header_dir}")
endif()
message(STATUS "conclave.h and its parts (${count} headers) compile as C99, C11 and C++20 "
               "without a warning")
