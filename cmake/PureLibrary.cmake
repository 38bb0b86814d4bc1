# A pure library may not talk to the kernel: after it is built, its objects are
# checked for references to system calls that reach the network stack or
# namespaces. A stray socket() or setns() in core/net, core/scenario or
# core/trace fails the build, not a code review.
function(overlaylab_pure_library name)
  add_library(${name} STATIC ${ARGN})
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${CMAKE_SOURCE_DIR}/cmake/check-pure.sh $<TARGET_FILE:${name}>
    COMMENT "Checking that ${name} makes no kernel calls"
    VERBATIM)
endfunction()
