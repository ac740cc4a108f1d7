# Fails when the installed API reaches an internal header. Headers in a detail/ folder under
# include/conclave/<layer>/ are internals: not installed (CMakeLists.txt), so
#  (a) no header outside a detail folder may include one, or the installed headers would not
#      compile;
#  (b) the applications of this repository, examples/*.cpp and the tools/ds, tools/interop and
#      tools/cli sources, include none: they use only the installed API.
# The library's own sources, the tests, bench/, fuzz/ and tools/vectors (the conformance tool,
# which checks internal functions against the RFC test vectors) may include detail headers.
# Run as: cmake -DSOURCE_DIR=<repo> -P CheckDetail.cmake
set(detail_include "^[ \t]*#[ \t]*include[ \t]*[\"<]conclave/[^\">]*detail/")

set(violations "")
function(check_files rule)
  foreach(f ${ARGN})
    file(STRINGS ${f} includes REGEX "${detail_include}")
    foreach(line ${includes})
      file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
      string(STRIP "${line}" line)
      list(APPEND violations "${rel}: ${line} (${rule})")
    endforeach()
  endforeach()
  set(violations "${violations}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE headers ${SOURCE_DIR}/include/conclave/*)
list(FILTER headers EXCLUDE REGEX "/detail/")
if(NOT headers)
  message(FATAL_ERROR "No headers under ${SOURCE_DIR}/include/conclave")
endif()
check_files("an installed header includes an internal one" ${headers})

file(GLOB applications ${SOURCE_DIR}/examples/*.cpp)
file(GLOB_RECURSE tools ${SOURCE_DIR}/tools/ds/*.h ${SOURCE_DIR}/tools/ds/*.cpp
     ${SOURCE_DIR}/tools/interop/*.h ${SOURCE_DIR}/tools/interop/*.cpp
     ${SOURCE_DIR}/tools/cli/*.h ${SOURCE_DIR}/tools/cli/*.cpp)
list(APPEND applications ${tools})
if(NOT applications)
  message(FATAL_ERROR "No examples or tools sources under ${SOURCE_DIR}")
endif()
check_files("an application includes an internal header" ${applications})

if(violations)
  list(JOIN violations "\n" message)
  message(FATAL_ERROR "Internal headers reached from the public side:\n${message}")
endif()
list(LENGTH headers header_count)
list(LENGTH applications application_count)
message(STATUS "Detail headers: none reached from ${header_count} installed headers and "
               "${application_count} application sources")
