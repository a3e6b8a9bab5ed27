#include "agents/lineage_graph.hpp"

#include <stdexcept>

namespace marrow {

LineageGraph::LineageGraph(std::vector<CellType> types, std::vector<std::string> compartments)
    : types_(std::move(types)), compartments_(std::move(compartments)) {
  if (types_.empty()) throw std::invalid_argument("the lineage graph has no cell types");
  if (types_.size() >= 255) throw std::invalid_argument("at most 254 cell types");
}

int LineageGraph::type_index(const std::string& name) const {
  for (size_t i = 0; i < types_.size(); ++i)
    if (types_[i].name == name) return static_cast<int>(i);
  return -1;
}

int LineageGraph::target_of(const std::string& name) const {
  const int t = type_index(name);
  if (t >= 0) return t;
  for (size_t c = 0; c < compartments_.size(); ++c)
    if (compartments_[c] == name) return static_cast<int>(types_.size() + c);
  return -1;
}

std::vector<double> LineageGraph::compartment_yield(int t, const TypeRates& r) const {
  std::vector<double> y(compartments_.size(), 0.0);
  const double differentiated = r.fate.asymmetric + 2.0 * r.fate.differentiation;
  double previous = 0;
  for (const auto& [target, cumulative] : types_[t].differentiate_to) {
    if (is_compartment(target))
      y[compartment_of(target)] += differentiated * (cumulative - previous);
    previous = cumulative;
  }
  return y;
}

}  // namespace marrow
