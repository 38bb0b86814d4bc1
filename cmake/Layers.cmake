# One library per folder, and the folders form layers (cmake/check-layers.sh
# holds their order). overlaylab_library() builds a folder's library and, at
# build time, checks two rules that a code review would miss:
#
#  - every #include in the folder names the folder itself or a lower layer
#    (an include from a lower folder into a higher one fails the build);
#  - PURE: the library makes no kernel call (cmake/check-pure.sh), so it
#    builds and tests without root.
#
# overlaylab_library(<name> [PURE] SOURCES <files...> [PUBLIC <libs...>] [PRIVATE <libs...>])
function(overlaylab_library name)
  cmake_parse_arguments(ARG "PURE" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  overlaylab_check_layers(${name})
  if(ARG_PURE)
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND ${PROJECT_SOURCE_DIR}/cmake/check-pure.sh $<TARGET_FILE:${name}>
      COMMENT "Checking that ${name} makes no kernel calls"
      VERBATIM)
  endif()
endfunction()

# Checks the includes of the folder that defines target before it compiles.
function(overlaylab_check_layers target)
  file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  file(GLOB files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.h ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${target}.layers)
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${PROJECT_SOURCE_DIR}/cmake/check-layers.sh ${folder} ${files}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/check-layers.sh
    COMMENT "Checking that ${folder} includes only itself and lower layers"
    VERBATIM)
  add_custom_target(${target}_layers DEPENDS ${stamp})
  add_dependencies(${target} ${target}_layers)
endfunction()
