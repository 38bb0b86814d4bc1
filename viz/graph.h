// A Graphviz graph built in-process with libcgraph, written as DOT text and
// laid out and rendered to SVG with libgvc (no `dot` subprocess). IDs and
// labels are set through cgraph, which quotes and escapes them on output.
#pragma once

#include <string>

struct Agraph_s;
struct Agnode_s;
struct Agedge_s;

namespace ovl::viz {

using Subgraph = Agraph_s*;
using Node = Agnode_s*;
using Edge = Agedge_s*;

class Graph {
 public:
  explicit Graph(const std::string& name);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  Subgraph root() const { return g_; }
  // A cluster (drawn as a box around its members) inside parent.
  Subgraph cluster(Subgraph parent, const std::string& id);
  // The node with this id, created in sub on first use.
  Node node(Subgraph sub, const std::string& id);
  Node find(const std::string& id) const;
  Edge edge(Node tail, Node head, const std::string& key);

  // Attributes; set_html for HTML-like labels (<TABLE>...).
  void set(void* object, const char* name, const std::string& value);
  void set_html(void* object, const char* name, const std::string& html);
  void defaults(int kind, const char* name, const std::string& value);  // kind: AGRAPH, AGNODE, AGEDGE

  std::string dot() const;
  // Lays out with dot and renders SVG. Throws on a Graphviz failure.
  std::string svg();

 private:
  Agraph_s* g_;
};

// Escapes text for an HTML-like label.
std::string html_escape(const std::string& text);

}  // namespace ovl::viz
