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
# A translation unit that includes it first and uses a name from it.
set(tu ${WORK_DIR}/header_only.c)
file(WRITE ${tu} "#include \"conclave/conclave.h\"\n"
                 "const char* check(void);\n"
                 "const char* check(void) { return conclave_version(); }\n")
set(warnings -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -Wmissing-prototypes -Wshadow
    -Wconversion)
foreach(standard c99 c11)
  execute_process(COMMAND ${CC} -std=${standard} ${warnings} -I${include_dir} -fsyntax-only ${tu}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "conclave.h does not compile as ${standard}:\n${out}")
  endif()
endforeach()
execute_process(COMMAND ${CXX} -std=c++20 -Wall -Wextra -Werror -pedantic -I${include_dir}
                        -fsyntax-only -x c++ ${tu}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "conclave.h does not compile as C++20:\n${out}")
endif()
message(STATUS "conclave.h compiles as C99, C11 and C++20 without a warning")
