#include "viz/graph.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>

namespace ovl::viz {
namespace {

char* c(const std::string& s) { return const_cast<char*>(s.c_str()); }

// Object IDs in creation order. cgraph's default discipline derives a named
// object's ID from the address of its interned name, and writes subgraphs
// in ID order: the DOT text would change from run to run. Named objects get
// even IDs counting up, anonymous ones (unkeyed edges) odd IDs, as cgraph
// expects.
struct SequentialIds {
  Agraph_t* graph;
  std::map<std::string, IDTYPE> ids;
  // Interned in the graph's string pool: cgraph reads flags (HTML or not)
  // stored with its strings, so print must return one of its own.
  std::map<IDTYPE, char*> names;
  IDTYPE next_named = 2, next_anonymous = 1;
};

void* ids_open(Agraph_t* g, Agdisc_t*) { return new SequentialIds{g}; }

long ids_map(void* state, int, char* str, IDTYPE* id, int create) {
  auto* s = static_cast<SequentialIds*>(state);
  if (!str) {
    *id = s->next_anonymous;
    s->next_anonymous += 2;
    return 1;
  }
  if (auto it = s->ids.find(str); it != s->ids.end()) {
    *id = it->second;
    return 1;
  }
  if (!create) return 0;
  *id = s->next_named;
  s->next_named += 2;
  s->ids.emplace(str, *id);
  s->names.emplace(*id, agstrdup(s->graph, str));
  return 1;
}

long ids_alloc(void*, int, IDTYPE) { return 0; }  // no caller-chosen IDs
void ids_free(void*, int, IDTYPE) {}

char* ids_print(void* state, int, IDTYPE id) {
  auto* s = static_cast<SequentialIds*>(state);
  auto it = s->names.find(id);
  return it == s->names.end() ? nullptr : it->second;
}

// The names go with the graph's string pool.
void ids_close(void* state) { delete static_cast<SequentialIds*>(state); }
void ids_register(void*, int, void*) {}

Agiddisc_t kIdDisc{ids_open, ids_map, ids_alloc, ids_free, ids_print, ids_close, ids_register};
Agdisc_t kDisc{&AgMemDisc, &kIdDisc, &AgIoDisc};

// One context per process: loading Graphviz's plugins is the slow part.
GVC_t* context() {
  static GVC_t* gvc = gvContext();
  return gvc;
}

}  // namespace

#ifdef __SANITIZE_ADDRESS__
// The context above, and the fontconfig and glib state its plugins load,
// live until the process ends: at exit LeakSanitizer would call them leaks
// (13 reports, 532 KB, in the unit tests) and fail a process that has none
// of its own.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libgvc.so\nleak:libfontconfig.so\nleak:libglib-2.0.so\n";
}
#endif

Graph::Graph(const std::string& name) : g_(agopen(c(name), Agdirected, &kDisc)) {
  if (!g_) throw std::runtime_error("graphviz: cannot create graph " + name);
}

Graph::~Graph() { agclose(g_); }

Subgraph Graph::cluster(Subgraph parent, const std::string& id) { return agsubg(parent, c("cluster_" + id), 1); }

Node Graph::node(Subgraph sub, const std::string& id) {
  if (Node n = agnode(g_, c(id), 0)) return n;
  Node n = agnode(g_, c(id), 1);
  if (sub != g_) agsubnode(sub, n, 1);
  return n;
}

Node Graph::find(const std::string& id) const { return agnode(g_, c(id), 0); }

Edge Graph::edge(Node tail, Node head, const std::string& key) { return agedge(g_, tail, head, c(key), 1); }

void Graph::set(void* object, const char* name, const std::string& value) {
  agsafeset(object, const_cast<char*>(name), c(value), const_cast<char*>(""));
}

void Graph::set_html(void* object, const char* name, const std::string& html) {
  char* value = agstrdup_html(g_, c(html));
  agsafeset(object, const_cast<char*>(name), value, const_cast<char*>(""));
  agstrfree(g_, value);
}

void Graph::defaults(int kind, const char* name, const std::string& value) {
  agattr(g_, kind, const_cast<char*>(name), c(value));
}

std::string Graph::dot() const {
  char* buffer = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buffer, &size);
  if (!out) throw std::runtime_error("graphviz: cannot open a memory stream");
  agwrite(g_, out);
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

std::string Graph::svg() {
  GVC_t* gvc = context();
  if (gvLayout(gvc, g_, "dot") != 0) throw std::runtime_error("graphviz: dot layout failed");
  char* data = nullptr;
  unsigned int length = 0;
  int rc = gvRenderData(gvc, g_, "svg", &data, &length);
  std::string svg = rc == 0 && data ? std::string(data, length) : "";
  gvFreeRenderData(data);
  gvFreeLayout(gvc, g_);
  if (rc != 0) throw std::runtime_error("graphviz: SVG rendering failed");
  return svg;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

}  // namespace ovl::viz
