# modak_embed(OUT_C SYMBOL FILE): writes a C file defining `const char SYMBOL[]` (NUL-terminated)
# and `const unsigned long SYMBOL_len` from FILE's bytes, regenerated when FILE changes.
function(modak_embed out_c symbol file)
  add_custom_command(OUTPUT ${out_c}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out_c} -DSYM=${symbol} -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${file} ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake VERBATIM)
endfunction()
