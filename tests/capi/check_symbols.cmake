# ctest capi.symbols (issue 19, "ABI discipline"): the dynamic symbols libconclave.so defines are
# exactly those of the committed list src/capi/symbols.txt, one name a line, sorted. A function
# added to conclave.h is added to the list in the same change, on purpose; one that disappears
# breaks the ABI. Run as: cmake -DNM=<nm> -DLIBRARY=<libconclave.so> -DEXPECTED=<list> -P ...
foreach(var NM LIBRARY EXPECTED)
  if(NOT ${var})
    message(FATAL_ERROR "${var} not set")
  endif()
endforeach()
execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIBRARY} failed: ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(actual "")
foreach(line ${lines})
  # "<address> <type> <name>[@@VERSION]"
  if(line MATCHES "^[0-9a-fA-F]+ [A-Za-z] ([^ @]+)")
    list(APPEND actual ${CMAKE_MATCH_1})
  endif()
endforeach()
list(SORT actual)
list(REMOVE_DUPLICATES actual)
file(STRINGS ${EXPECTED} expected)
list(FILTER expected EXCLUDE REGEX "^#|^$")
if(NOT actual STREQUAL expected)
  set(extra ${actual})
  list(REMOVE_ITEM extra ${expected})
  set(missing ${expected})
  list(REMOVE_ITEM missing ${actual})
  list(JOIN extra "\n  " extra)
  list(JOIN missing "\n  " missing)
  message(FATAL_ERROR "libconclave.so's exported symbols differ from ${EXPECTED}.\n"
                      "Exported but not listed:\n  ${extra}\nListed but not exported:\n  ${missing}")
endif()
list(LENGTH actual count)
message(STATUS "libconclave.so exports the ${count} listed symbols, no more")
