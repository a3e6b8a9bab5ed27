#pragma once
// The lineage graph as data: cell types, their rates and fate probabilities, and where their
// differentiating daughters go (another type, or a maturation compartment off the lattice).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace marrow {

// Probabilities of the three division outcomes; they sum to 1.
struct FateProbabilities {
  double self_renewal = 0;     // two daughters of the parent's type
  double asymmetric = 0;       // one of the parent's type, one differentiated
  double differentiation = 1;  // two differentiated daughters
};

// Rates per hour, and fate probabilities, in one niche context.
struct TypeRates {
  double division = 0;  // while cycling
  double death = 0;
  double quiescence_entry = 0;
  double quiescence_exit = 0;
  double migration = 0;   // random-walk steps to a free neighbouring site, while cycling
  double chemotaxis = 0;  // bias of those steps up the chemoattractant: weight exp(chi * dc)
  FateProbabilities fate;
};

// A daughter's destination: a cell type (index < type count) or a compartment.
using Target = uint16_t;

struct CellType {
  std::string name;
  std::string lineage;
  TypeRates off_niche;  // on an ordinary marrow site
  TypeRates in_niche;   // on a niche site
  // Cumulative probabilities over differentiation targets.
  std::vector<std::pair<Target, double>> differentiate_to;
  int64_t initial = 0;
  double initial_quiescent_fraction = 0;
  bool seeks_niche = false;  // placed on niche sites first at the start
  // How far its divisions push a daughter when no neighbour is free (0: the lattice's
  // division_reach); 1 keeps daughters beside the mother, the division waiting for room.
  int division_reach = 0;
  // Daily fraction that leaves the marrow for the blood and homes back through a sinusoid to a
  // free site elsewhere (the section stands for the marrow: cells leaving it are replaced).
  double egress_per_day = 0;
  // Niche response to a signal: on a niche site the rates blend from the off-niche to the
  // in-niche ones by the Hill function c^n / (c^n + K^n) of this field's local value (no
  // field: full niche rates on every niche site).
  std::string niche_signal;
  double niche_signal_half = 1;  // K
  double niche_signal_hill = 1;  // n
};

class LineageGraph {
 public:
  LineageGraph() = default;
  LineageGraph(std::vector<CellType> types, std::vector<std::string> compartments);

  int type_count() const { return static_cast<int>(types_.size()); }
  int compartment_count() const { return static_cast<int>(compartments_.size()); }
  const CellType& type(int i) const { return types_[i]; }
  const std::vector<CellType>& types() const { return types_; }
  const std::vector<std::string>& compartments() const { return compartments_; }

  // Index of a type or compartment name as a Target; -1 if neither.
  int target_of(const std::string& name) const;
  int type_index(const std::string& name) const;  // -1 if absent
  bool is_compartment(Target t) const { return t >= types_.size(); }
  int compartment_of(Target t) const { return t - static_cast<int>(types_.size()); }

  // Draws a differentiation target for a daughter of type `t` from uniform u.
  Target choose_target(int t, double u) const {
    const auto& to = types_[t].differentiate_to;
    for (const auto& [target, cumulative] : to)
      if (u < cumulative) return target;
    return to.back().first;
  }

  // Expected compartment daughters per division, per compartment, for a type in a context.
  std::vector<double> compartment_yield(int t, const TypeRates& r) const;

 private:
  std::vector<CellType> types_;
  std::vector<std::string> compartments_;
};

}  // namespace marrow
