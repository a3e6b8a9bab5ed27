# Writes OUT, a C++ source holding the scenario library's TOML files (presets/, regimens/,
# conditions/) as byte arrays, so that the marrow program is one file. Run at build time with
# -DROOT=<source dir> -DOUT=<file> -DFILES=<paths relative to ROOT, ;-separated>.
set(body "")
set(table "")
set(i 0)
foreach(rel IN LISTS FILES)
  file(READ "${ROOT}/${rel}" hex HEX)
  string(LENGTH "${hex}" n)
  math(EXPR bytes "${n} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," hex "${hex}")
  string(APPEND body "const char k${i}[] = {${hex}0};\n")
  string(APPEND table "    {\"${rel}\", std::string_view(k${i}, ${bytes})},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from the scenario library by cmake/embed_library.cmake.\n#include <string_view>\n#include <utility>\n#include <vector>\nnamespace marrow {\nnamespace {\n${body}}  // namespace\nconst std::vector<std::pair<std::string_view, std::string_view>>& library_files() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> files = {\n${table}  };\n  return files;\n}\n}  // namespace marrow\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
