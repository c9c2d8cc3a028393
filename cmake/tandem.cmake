# Shared build rules: warnings, sanitizers, and the tandem_module() helper that every module uses.

set(TANDEM_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
    # GCC 12 warns on designated initialisers that leave defaulted members out, our house style.
    -Wno-missing-field-initializers)
if(TANDEM_WERROR)
  list(APPEND TANDEM_WARNINGS -Werror)
endif()

if(TANDEM_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(TANDEM_TSAN)
  # libstdc++ 12 uses atomic_thread_fence, which TSan does not model (-Wtsan); nothing of ours does.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()

if(TANDEM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# tandem_module(NAME SOURCES a.cpp ... DEPS target ...)
# Creates the static library tandem_<NAME> with explicit sources; includes are rooted at src/
# ("core/status.h"). DEPS are public so that dependents see the same headers.
function(tandem_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(tandem_${name} STATIC ${ARG_SOURCES})
  target_include_directories(tandem_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(tandem_${name} PRIVATE ${TANDEM_WARNINGS})
  target_link_libraries(tandem_${name} PUBLIC ${ARG_DEPS})
endfunction()

# Applies the project warnings to a test or tool target.
function(tandem_warnings target)
  target_compile_options(${target} PRIVATE ${TANDEM_WARNINGS})
endfunction()
