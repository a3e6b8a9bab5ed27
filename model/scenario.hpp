#pragma once
// A fully resolved scenario: what the model needs to run, with no file format attached.
#include <cstdint>
#include <string>
#include <vector>

#include "agents/lineage_graph.hpp"
#include "blood/compartments.hpp"
#include "core/lattice.hpp"
#include "model/treatment.hpp"
#include "niche/fields.hpp"
#include "niche/geometry.hpp"

namespace marrow {

struct RunConfig {
  double days = 365;
  double spin_up_days = 0;  // simulated before recorded time 0
  double dt_hours = 1;
  uint64_t seed = 1;
  double output_every_hours = 24;
  double snapshot_every_days = 0;  // 0: one snapshot, at the end
};

struct LatticeConfig {
  int nx = 256, ny = 256, nz = 1;
  double site_um = 10;
  int block = 32;
  Neighbourhood neighbourhood = Neighbourhood::kMoore;
  int calendar_window = 16;
  // Sites a division can push its daughter when no neighbour is free (1: the division waits).
  int division_reach = 1;
};

struct OrganismConfig {
  std::string name = "human";
  double blood_volume_l = 5;
  double weight_kg = 70;
  double hsc_total = 1e5;  // whole-body count of the stem type
  std::string hsc_type = "LT_HSC";
  double mch_pg = 29;
};

// A normal adult range of a blood count: a blood pool (in its unit per litre) or "hemoglobin"
// (g/dL). Read by tools and tests to judge counts; the model does not use it.
struct NormalRange {
  std::string name;
  double low = 0, high = 0;
};

struct Scenario {
  RunConfig run;
  LatticeConfig lattice;
  GeometryConfig geometry;
  OrganismConfig organism;
  LineageGraph graph;
  std::vector<MaturationConfig> maturation;  // one per graph compartment, same order
  std::vector<BloodPoolConfig> blood;
  std::vector<FieldConfig> fields;
  TreatmentConfig treatment;
  std::vector<NormalRange> normal_ranges;
};

}  // namespace marrow
