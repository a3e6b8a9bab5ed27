#include "model/endpoints.hpp"

#include <algorithm>

#include "model/simulation.hpp"

namespace marrow {

Endpoints compute_endpoints(const Simulation& sim, const std::vector<Observation>& rows) {
  Endpoints e;
  const BloodSystem& b = sim.blood();
  std::vector<double> t;
  for (const Observation& r : rows) t.push_back(r.time_days);
  auto series = [&](int pool) {
    std::vector<double> v;
    for (const Observation& r : rows) v.push_back(r.blood[static_cast<size_t>(pool)]);
    return v;
  };
  const int anc = b.pool_index("neutrophils");
  const int plt = b.pool_index("platelets");
  if (anc >= 0) e.neutrophil_engraftment_day = recovery_day(t, series(anc), 0.5, 3);
  // Platelet engraftment counts unsupported days only: a count within 7 days of a platelet
  // transfusion is taken as below the threshold (CIBMTR definition).
  if (plt >= 0) {
    std::vector<double> unsupported = series(plt);
    for (size_t i = 0; i < t.size(); ++i)
      for (size_t j = i; j-- > 0 && t[i] - t[j] <= 7.0 + 1e-9;)
        if (rows[j + 1].platelet_units > rows[j].platelet_units) unsupported[i] = 0;
    e.platelet_engraftment_day = recovery_day(t, unsupported, 20.0, 7);
  }
  if (!rows.empty()) {
    e.platelet_transfusions = rows.back().platelet_units;
    e.rbc_transfusions = rows.back().rbc_units;
  }
  // Transfusions as events: each rise of a cumulative count between observations.
  for (size_t i = 1; i < rows.size(); ++i) {
    if (const int64_t u = rows[i].platelet_units - rows[i - 1].platelet_units; u > 0)
      e.transfusions.push_back(
          {t[i], "platelets", u,
           plt >= 0 ? rows[i - 1].blood[static_cast<size_t>(plt)] : std::nan("")});
    if (const int64_t u = rows[i].rbc_units - rows[i - 1].rbc_units; u > 0)
      e.transfusions.push_back({t[i], "rbc", u, rows[i - 1].hemoglobin});
  }
  // Aplasia: ANC fell below 0.5e9/L and was not back by day 28 (DESIGN.md 2.5).
  bool fell = false;
  if (anc >= 0)
    for (const Observation& r : rows) fell |= r.blood[static_cast<size_t>(anc)] < 0.5;
  const bool late = std::isnan(e.neutrophil_engraftment_day) || e.neutrophil_engraftment_day > 28;
  const bool reached_28 = !t.empty() && t.back() >= 28;
  e.aplasia = fell && late && reached_28;
  // Graft failure: a graft without neutrophil engraftment by day 28, or an allogeneic graft
  // whose donor share of myeloid cells fell below 5 % by the end.
  const Treatment& tr = sim.treatment();
  e.transplant = tr.any_transplant();
  if (e.transplant && reached_28) {
    e.graft_failure = late;
    const auto& lineages = sim.lineages();
    const auto it = std::find(lineages.begin(), lineages.end(), "myeloid");
    if (tr.allogeneic() && it != lineages.end() && !rows.empty())
      e.graft_failure |= rows.back().chimerism[static_cast<size_t>(it - lineages.begin())] < 0.05;
  }
  for (int p = 0; p < b.pool_count(); ++p) {
    PoolEndpoints pe;
    pe.name = b.pool(p).name;
    const std::vector<double> v = series(p);
    pe.nadir = nadir(t, v);
    if (!v.empty() && pe.nadir.value < 0.9 * v.front())
      for (size_t i = 0; i < t.size(); ++i)
        if (t[i] > pe.nadir.day && v[i] >= 0.9 * v.front()) {
          pe.recovery_day = t[i];
          break;
        }
    e.pools.push_back(pe);
  }
  return e;
}

}  // namespace marrow
