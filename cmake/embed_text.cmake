# Writes OUT: a C++ file defining `extern const char* const NAME` in namespace NS with the
# text of the file IN (a raw string literal; IN must not contain the delimiter )SLTXT").
file(READ ${IN} text)
string(FIND "${text}" ")SLTXT\"" bad)
if(NOT bad EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )SLTXT\"")
endif()
file(WRITE ${OUT}.tmp "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.\nnamespace ${NS} {\nextern const char* const ${NAME};\nconst char* const ${NAME} = R\"SLTXT(${text})SLTXT\";\n}  // namespace ${NS}\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
