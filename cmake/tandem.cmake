# Shared build rules: warnings, sanitizers, and the tandem_module() helper that every module uses.
# Sanitizer builds keep line tables only (-g1): their reports need file and line, and full debug
# information of Boost's templates is much of what they spend compiling.

set(TANDEM_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
    # GCC 12 warns on designated initialisers that leave defaulted members out, our house style.
    -Wno-missing-field-initializers)
if(TANDEM_WERROR)
  list(APPEND TANDEM_WARNINGS -Werror)
endif()

if(TANDEM_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g1)
  add_link_options(-fsanitize=address,undefined)
endif()

if(TANDEM_TSAN)
  # libstdc++ 12 uses atomic_thread_fence, which TSan does not model (-Wtsan); nothing of ours does.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan -g1)
  add_link_options(-fsanitize=thread)
endif()

if(TANDEM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g1)
  add_link_options(-fsanitize=address,undefined)
endif()

# tandem_module(NAME [SOURCES a.cpp ...] DEPS target ...)
# Creates the static library tandem_<NAME> with explicit sources; includes are rooted at src/
# ("core/status.h"). DEPS are public so that dependents see the same headers. Without SOURCES it
# is an interface library: headers only (a role's interface and its types).
function(tandem_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SOURCES)
    add_library(tandem_${name} INTERFACE)
    target_include_directories(tandem_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(tandem_${name} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(tandem_${name} STATIC ${ARG_SOURCES})
  target_include_directories(tandem_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(tandem_${name} PRIVATE ${TANDEM_WARNINGS})
  target_link_libraries(tandem_${name} PUBLIC ${ARG_DEPS})
endfunction()

# tandem_forbid(TARGET target PATTERN regex)
# The backend boundary (DESIGN.md §9): fails the configure step when `target` links, directly or
# through any dependency, a library whose name matches PATTERN (a concrete backend), or when one of
# its sources or the headers beside them includes such a backend's headers.
function(tandem_forbid)
  cmake_parse_arguments(ARG "" "TARGET;PATTERN;INCLUDES" "" ${ARGN})
  set(seen "")
  set(queue ${ARG_TARGET})
  while(queue)
    list(POP_FRONT queue t)
    if(NOT TARGET ${t} OR t IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${t})
    if(NOT t STREQUAL ARG_TARGET AND t MATCHES "${ARG_PATTERN}")
      message(FATAL_ERROR "backend boundary: ${ARG_TARGET} links ${t}; only tandem_app may link "
                          "a concrete backend (DESIGN.md §9)")
    endif()
    get_target_property(type ${t} TYPE)
    set(deps "")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(deps ${t} LINK_LIBRARIES)
    endif()
    get_target_property(ideps ${t} INTERFACE_LINK_LIBRARIES)
    foreach(d IN LISTS deps ideps)
      if(d AND NOT d MATCHES "NOTFOUND$")
        list(APPEND queue ${d})
      endif()
    endforeach()
  endwhile()
  get_target_property(dir ${ARG_TARGET} SOURCE_DIR)
  file(GLOB_RECURSE files ${dir}/*.h ${dir}/*.cpp)
  foreach(f IN LISTS files)
    file(STRINGS ${f} hits REGEX "#include \"(${ARG_INCLUDES})")
    if(hits)
      message(FATAL_ERROR "backend boundary: ${f} includes a concrete backend: ${hits}")
    endif()
  endforeach()
endfunction()

# Applies the project warnings to a test or tool target.
function(tandem_warnings target)
  target_compile_options(${target} PRIVATE ${TANDEM_WARNINGS})
endfunction()
