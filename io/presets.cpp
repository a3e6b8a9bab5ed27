#include "io/presets.hpp"

#include "io/library.hpp"

#include <map>
#include <stdexcept>

namespace marrow {
namespace {

// Rates are per day; probabilities of the three division outcomes sum to 1. Values without a
// direct measurement are marked "model assumption" and say what they were chosen to give.
// Amplification factors are calibrated: for each maturation compartment, the cited whole-body
// daily production divided by the steady-state hand-off rate of this graph scaled to the whole
// body (hand-offs / represented fraction); see README "Calibration".
// The signal fields, the same in both presets.
const char* kFields = R"toml(
# Signal fields, solved quasi-steady (diffusion takes seconds, cell events hours). Concentrations
# are relative (source rate / decay rate = 1 at a lone source). CXCL12 is secreted by
# perivascular CAR cells and osteoblasts (Sugiyama 2006 Immunity 25:977); SCF by endothelial and
# perivascular LepR+ stromal cells, not osteoblasts (Ding 2012 Nature 481:457). Diffusion of a
# ~10 kDa chemokine in tissue ~100 um^2/s and decay rates giving gradients of a few cell
# diameters (decay lengths 40 and 25 um) are model assumptions.
[fields.CXCL12]
chemoattractant = true    # CXCL12-CXCR4 guides HSC homing and retention (Sugiyama 2006)
diffusion_um2_per_s = 100.0
decay_per_hour = 225.0
source_endosteal = 225.0
source_sinusoidal = 225.0
source_arteriolar = 225.0
consumption_per_hour = 0.0
update_hours = 24.0

[fields.SCF]
diffusion_um2_per_s = 100.0
decay_per_hour = 576.0
source_endosteal = 0.0
source_sinusoidal = 576.0
source_arteriolar = 576.0
consumption_per_hour = 0.0
update_hours = 24.0
)toml";

// The LT-HSC keys both presets share, after the species' initial count; the niche table
// follows with its own quiescence exit.
const char* kStemCell = R"toml(
initial_quiescent_fraction = 0.9
seeks_niche = true
# Niche support acts through SCF from perivascular stroma (Ding 2012 Nature 481:457): niche
# rates blend in with SCF^4 / (SCF^4 + 0.015^4). At an intact niche (SCF ~0.11) and down to
# half its secretion that is the full niche; stroma damaged further holds its HSCs less
# (half-point and steepness are model assumptions).
niche_signal = "SCF"
niche_signal_half = 0.015
niche_signal_hill = 4.0
# Out of a niche (after egress and homing, a graft, or a daughter without a free niche beside
# its mother) an HSC keeps searching: HSCs leave their niches without dividing (Bhattacharya
# 2006 J Exp Med 203:73) and home back within days (Lo Celso 2009 Nature 457:92), so it moves
# in G0 (a stem cell moves while quiescent, other cells do not), climbs CXCL12, and commits (a
# division, mostly differentiating) only after ~a month on average: it leaves G0 every 5 days
# and then divides (1/day) before it returns (4/day) one time in five (model assumption: a
# relocated HSC finds a free niche before it is lost, and few searchers cycle). A step of one
# site (10 um) an hour is ~0.2 um/min, below the few um/min of homing progenitors seen by
# intravital imaging (Lo Celso 2009).
division_per_day = 1.0
migration_per_day = 24.0
death_per_day = 0.0
quiescence_entry_per_day = 4.0
quiescence_exit_per_day = 0.2
self_renewal = 0.0
asymmetric = 0.2
differentiation = 0.8
chemotaxis = 30.0         # climb CXCL12 towards niches (model assumption for the strength)
differentiate_to = { ST_HSC = 1.0 }

[types.LT_HSC.niche]
migration_per_day = 0.0
# A dormant niche HSC's divisions are mostly asymmetric, and its symmetric outcomes balance
# (self-renewal as often as differentiation), so the pool neither grows nor shrinks at rest;
# what refills a depleted pool is the activation sensed from vacant niches (model assumption
# for the shares; Morrison & Kimble 2006 Nature 441:1068 for niche-regulated symmetric and
# asymmetric divisions).
self_renewal = 0.1
asymmetric = 0.8
differentiation = 0.1
)toml";

const char* kHuman = R"toml(
# marrow preset "human": a healthy 70 kg adult.
# Supportive care: "standard" transfuses by the rules of [transfusion], "none" does not. The
# presets were calibrated without it (engraftment days of unsupported counts).
supportive_care = "none"

[run]
days = 365.0              # length of the default run
spin_up_days = 180.0      # settles the spatial structure before day 0 (not recorded)
dt_hours = 1.0
seed = 1
output_every_hours = 24.0
snapshot_every_days = 0.0  # 0: a single snapshot at the end

[organism]
name = "human"
blood_volume_l = 5.0      # 4.5-5.5 L adult (VALIDATION.md, verify)
weight_kg = 70.0
hsc_total = 1.0e5         # contributing HSCs: Lee-Six 2018 Nature 561:473; Mitchell 2022 Nature 606:343
hsc_type = "LT_HSC"
mch_pg = 29.0             # mean cell hemoglobin, adult reference 27-33 pg (verify)

[lattice]
size = [768, 768]         # sites; 2D section of marrow, ~400,000 marrow sites
site_um = 10.0            # about one cell diameter
neighbourhood = "moore"
block = 32                # spatial block edge for the parallel update
calendar_window = 256     # steps in the event calendar ring
# A division without a free neighbour pushes its daughter along the cells to the nearest free
# site up to 8 sites (80 um) away; cells in marrow are displaced as clusters grow (model
# assumption). A niche stem cell pushes its committed daughters off the niche the same way;
# niche sites themselves only ever take stem cells.
division_reach = 8

[geometry]
seed = 1
bone_thickness = 4        # cortical bone along the faces, sites
# Sinusoids fill ~30 % of the marrow cavity and arterioles ~1 % (Acar 2015 Nature 526:126).
# The section cuts a three-dimensional vessel network, so vessels show as profiles a few
# widths long (segment_length): long channels in a plane would wall the marrow into closed
# pockets, which tubes in a volume do not. Sinusoid lumen 40 um (model choice; human marrow
# sinusoids are a few tens of um across, verify).
generator = "network"
sinusoid_fraction = 0.30
arteriole_fraction = 0.01
sinusoid_width = 4
segment_length = 12
# Niche kinds that hold stem cells: most HSCs sit within ~10 um of a sinusoid (Acar 2015 Nature
# 526:126); ["arteriolar"] expresses the arteriolar arrangement (Kunisaki 2013 Nature 502:637).
stem_cell_niches = ["sinusoidal"]
# Perivascular niche stroma covers part of the sinusoid surface, in patches of 160 um that are
# kept, and damaged, as a whole: ~5400 niche sites for 2100 LT-HSCs (the pool fills about 40 %
# of its niches; model assumption).
stem_cell_niche_fraction = 0.0897
stem_cell_niche_patch = 16

# LT-HSC: quiescent in the niche; they leave quiescence at 0.0008/day at rest and return at
# 1/day. With the activation of the sparser niche areas at rest, a niche LT-HSC divides every
# ~29-32 weeks on average in the model (measured from the division counts over a year; 25-50
# weeks: Catlin 2011 Blood 117:4460). Niche-dependent fate
# (self-renewal held by the niche, commitment outside it): Morrison & Scadden 2014 Nature
# 505:327.
[types.LT_HSC]
lineage = "stem"
initial = 2100
# HSCs leave for the blood and home back next to a sinusoid, entering where the endothelium
# presents CXCL12, then climb CXCL12 to a free niche: 1-5 %/day in mice (Bhattacharya 2009 J Exp
# Med 206:2837). Human HSCs divide ~7x less often than mouse ones; 1 %/day, the low end of the
# mouse range, is a model assumption.
egress_per_day = 0.01
)toml";

const char* kHumanNiche = R"toml(
quiescence_exit_per_day = 0.0008
# Out of G0 a niche HSC divides (1/day) or returns (1/day) (model assumption).
division_per_day = 1.0
quiescence_entry_per_day = 1.0

# ST-HSC and MPP: transit-amplifying multipotent cells; cycling and division shares are model
# assumptions giving residence of months (ST) and weeks (MPP), consistent with the slow flux
# from HSC to MPP measured in mice (Busch 2015 Nature 518:542).
[types.ST_HSC]
lineage = "stem"
initial = 460
division_per_day = 0.2
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.3
differentiation = 0.4
differentiate_to = { MPP = 1.0 }

[types.MPP]
lineage = "multipotent"
initial = 920
division_per_day = 0.5
migration_per_day = 4.0
self_renewal = 0.25
asymmetric = 0.25
differentiation = 0.5
differentiate_to = { CMP = 0.75, CLP = 0.25 }

# Migration: a random walk of one site (~10 um) every ~6 h for cycling progenitors and for stem
# cells out of a niche; niche LT-HSC are sessile (Christodoulou 2020 Nature 578:278 found most
# HSCs immobile near their niche; the progenitor rate is a model assumption).

# Oligopotent progenitors: common myeloid and lymphoid (Akashi 2000 Nature 404:193; Kondo 1997
# Cell 91:661), granulocyte-monocyte and megakaryocyte-erythroid (Manz 2002 PNAS 99:11872).
# Cycling about daily (model assumption).
[types.CMP]
lineage = "myeloid"
initial = 2400
division_per_day = 1.0
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.2
differentiation = 0.5
differentiate_to = { GMP = 0.6, MEP = 0.4 }

[types.CLP]
lineage = "lymphoid"
initial = 760
division_per_day = 1.0
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.2
differentiation = 0.5
differentiate_to = { LyP = 1.0 }

[types.GMP]
lineage = "myeloid"
initial = 6270
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.2
differentiation = 0.5
differentiate_to = { MyP = 1.0 }

[types.MEP]
lineage = "erythroid"
initial = 4130
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.2
differentiation = 0.5
differentiate_to = { EryP = 0.7, MkP = 0.3 }

# Committed progenitors of the four lineages; their differentiated daughters leave the lattice
# for the lineage's maturation compartment (model assumption: the agent/compartment boundary).
[types.EryP]
lineage = "erythroid"
initial = 24150
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.35
asymmetric = 0.15
differentiation = 0.5
differentiate_to = { erythroid = 1.0 }

[types.MyP]
lineage = "myeloid"
initial = 52390
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.35
asymmetric = 0.15
differentiation = 0.5
differentiate_to = { myeloid = 1.0 }

[types.MkP]
lineage = "megakaryocyte"
initial = 10530
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.35
asymmetric = 0.15
differentiation = 0.5
differentiate_to = { megakaryocyte = 1.0 }

[types.LyP]
lineage = "lymphoid"
initial = 4010
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.35
asymmetric = 0.15
differentiation = 0.5
differentiate_to = { lymphoid = 1.0 }

)toml";

const char* kHumanTail = R"toml(
# Maturation: precursor amplification and transit (a chain of stages, Friberg 2002 J Clin Oncol
# 20:4713). Amplification calibrated to the production of the blood pools below, with every
# hormone at its set point.
# Systemic feedback: each hormone has a relative level L (1 at its set point) with its own
# kinetics, and multiplies the amplification by Mx L^h / (L^h + Mx - 1) (1 at the set point,
# response_max as L grows). response_hill = 2 for all three is a model assumption: a response
# steeper than receptor occupancy (h = 1), so that a modest rise of the hormone doubles
# production (at L = 2: EPO 2.0x, G-CSF 1.6x, TPO 2.9x), as compensated hemolysis and
# thrombocytopenia need; with h = 2 a red-cell survival of 50 days settles at hemoglobin ~12.7
# g/dL with red-cell production 2.0x, with h = 1 at ~11.5 g/dL (1.8x).
[maturation.myeloid]
stages = 4
transit_days = 5.8        # neutrophil marrow transit: Lahoz-Beneytez 2016 Blood 127:3431
amplification = 8542.0
feeds = { neutrophils = 0.917, monocytes = 0.083 }
hormone = "G-CSF"         # granulocyte-monocyte output
feedback_sensor = "neutrophils"
feedback_set_point = 4.0
hormone_half_life_hours = 3.5    # G-CSF elimination half-life ~3.5 h: Layton 1989 Blood 74:1303 (verify)
hormone_production = "constant"  # cleared by the neutrophils' receptors: Layton 1989 (verify)
specific_clearance = 0.9         # model assumption, as TPO: levels up to 10x without neutrophils
compartment_clearance = 0.0      # model assumption: clearance follows the blood neutrophils (Layton 1989)
# The endogenous granulopoietic response to neutropenia is modest: Friberg 2002 fitted
# (Circ0/Circ)^0.163, under 2x even at an ANC of 0.05e9/L; response_max 2 keeps that maximum
# (with 5x, or with the transit speedup below, neutrophils engraft a week before the patients
# of VALIDATION.md item 3). G-CSF shortens neutrophil maturation from ~5 to ~1 day at
# pharmacological doses (Lord 1989 PNAS 86:9499, verify): transit_speedup_max is there for
# administered G-CSF scenarios, 1 (off) for the endogenous hormone (model assumption).
response_max = 2.0
response_hill = 2.0              # model assumption (above)
transit_speedup_max = 1.0

[maturation.erythroid]
stages = 4
transit_days = 7.0        # erythroid precursor maturation, about a week (verify)
amplification = 132900.0
feeds = { rbc = 1.0 }
hormone = "EPO"
feedback_sensor = "rbc"
feedback_set_point = 5.0         # 14.5 g/dL with organism.mch_pg
hormone_half_life_hours = 7.0    # endogenous EPO half-life 6-8 h (verify)
hormone_production = "exponential"  # serum EPO rises log-linearly as hemoglobin falls: Erslev 1991 N Engl J Med 324:1339 (verify)
# log10 EPO = 3.09 - 0.0547 x hematocrit (%) in anemia (Beguin 1993 Blood 81:1067, as used by
# Cazzola 1997 Blood 89:4248; verify), 0.17 per g/dL. Red cells and hematocrit fall together
# (constant cell volume): per unit relative deficit at the set point's hematocrit of 44 %,
# s = ln(10) x 0.0547 x 44 = 5.5; EPO is 10x at 42 % below the set point (8.4 g/dL).
deficit_slope = 5.5
response_max = 3.0               # red cell production rises ~3x at most (VALIDATION.md)
response_hill = 2.0              # model assumption (above)

[maturation.megakaryocyte]
stages = 4
transit_days = 5.0        # megakaryocyte maturation: Harker & Finch 1969 J Clin Invest 48:963
amplification = 187900.0
feeds = { platelets = 1.0 }
hormone = "TPO"
feedback_sensor = "platelets"
feedback_set_point = 250.0
hormone_half_life_hours = 30.0   # TPO half-life 20-40 h (verify)
hormone_production = "constant"  # constant hepatic production, cleared by c-Mpl on platelets and megakaryocytes: Kuter & Rosenberg 1995 Blood 85:2720
specific_clearance = 0.9         # model assumption: levels rise ~10x in amegakaryocytic thrombocytopenia
# Model assumption: megakaryocytes hold a tenth of the receptor mass (a few 1e8 megakaryocytes,
# Harker & Finch 1969, each with far more c-Mpl than a platelet; verify). TPO then rises as soon
# as marrow megakaryocytes are lost, before the platelets fall, and an expanded megakaryocyte
# mass holds it lower when platelets are destroyed (platelet lifespan a third: ~144e9/L with
# production 1.7x, where 0 would give ~160 and 0.25 ~126).
compartment_clearance = 0.1
response_max = 8.0               # platelet production can rise 5-10x: Harker 1977 Clin Haematol
response_hill = 2.0              # model assumption (above)

[maturation.lymphoid]
stages = 4
transit_days = 7.0        # lymphoid precursor maturation (verify)
amplification = 86.7
feeds = { lymphocytes = 1.0 }

# Blood pools: mean lifespan and its CV (1 = exponential survival, smaller = senescence).
[blood.neutrophils]
lifespan_days = 0.721     # blood half-life 12 h: Lahoz-Beneytez 2016 Blood 127:3431
lifespan_cv = 1.0
destruction_per_day = 0.0
unit_per_l = 1.0e9

[blood.monocytes]
lifespan_days = 1.0       # classical monocytes 1.0 d: Patel 2017 J Exp Med 214:1913
lifespan_cv = 1.0
destruction_per_day = 0.0
unit_per_l = 1.0e9

[blood.lymphocytes]
lifespan_days = 365.0     # between memory (0.4-0.7 y) and naive T (4-6.5 y): Vrisekoop 2008 PNAS 105:6115
lifespan_cv = 1.0
destruction_per_day = 0.0
unit_per_l = 1.0e9

[blood.rbc]
lifespan_days = 115.0     # Franco 2012 Transfus Med Hemother 39:302
lifespan_cv = 0.15        # senescence, CV ~15 %: Franco 2012
destruction_per_day = 0.0
unit_per_l = 1.0e12

# Reticulocytes: the red cells released in the last day, counted within rbc. A released
# reticulocyte loses its RNA in the blood in ~1 day at a normal hematocrit (Hillman 1969 J Clin
# Invest 48:443); a CV of 0.5 is a model assumption. Normal absolute count: the red-cell
# production of a day, ~45e9/L here (reference range 25-100e9/L); Camitta's severe aplastic
# anemia criterion is < 20e9/L (Camitta 1975 Blood 45:355).
[blood.reticulocytes]
young_of = "rbc"
lifespan_days = 1.0
lifespan_cv = 0.5
unit_per_l = 1.0e9

[blood.platelets]
lifespan_days = 9.5       # Harker 1977 Clin Haematol
lifespan_cv = 0.3         # mostly senescent removal (model assumption)
destruction_per_day = 0.0
unit_per_l = 1.0e9
)toml";

const char* kMouse = R"toml(
# marrow preset "mouse": a 25 g adult C57BL/6 mouse. The lineage graph below the HSCs is that of
# the human preset (model assumption); HSC kinetics and blood are the mouse's.
supportive_care = "none"  # as the human preset

[run]
days = 365.0
spin_up_days = 180.0
dt_hours = 1.0
seed = 1
output_every_hours = 24.0
snapshot_every_days = 0.0

[organism]
name = "mouse"
blood_volume_l = 0.002    # 1.6-2.2 mL (VALIDATION.md, verify)
weight_kg = 0.025
hsc_total = 1.5e4         # Abkowitz 2000 Blood 96:3399; Busch 2015 Nature 518:542
hsc_type = "LT_HSC"
mch_pg = 15.0             # mouse mean cell hemoglobin ~15 pg (verify)

[lattice]
size = [640, 640]
site_um = 10.0
neighbourhood = "moore"
block = 32
calendar_window = 256
division_reach = 8        # as the human preset

[geometry]
seed = 1
bone_thickness = 4
# A section through the mouse's sinusoid network: sinusoids ~30 % and arterioles ~1 % of the
# marrow volume, measured in mouse marrow (Acar 2015 Nature 526:126); lumen 20 um (mouse
# marrow sinusoids are ~10-30 um across, model choice). Vessel profiles a few widths long, as
# the human preset explains.
generator = "network"
sinusoid_fraction = 0.30
arteriole_fraction = 0.01
sinusoid_width = 2
segment_length = 12
# Niche kinds that hold stem cells: most HSCs sit within ~10 um of a sinusoid (Acar 2015 Nature
# 526:126); ["arteriolar"] expresses the arteriolar arrangement (Kunisaki 2013 Nature 502:637).
stem_cell_niches = ["sinusoidal"]
# Perivascular niche stroma in 160 um patches, about 2.6 niche sites per HSC as in the human
# preset (model assumption).
stem_cell_niche_fraction = 0.017
stem_cell_niche_patch = 16

# Mouse HSCs divide ~7x as often as human ones, and ST-HSC/MPP carry more of the output
# (Busch 2015 Nature 518:542): the ST-HSC and MPP self-renewal shares are lower than the human
# ones (model assumption).
# Niche LT-HSC divide on average between the active (every 18-36 d) and dormant (~145 d)
# subsets: Wilson 2008 Cell 135:1118. Quiescence exit 0.016/day at rest; with the activation of
# the sparser niche areas the mean interval in the model is ~65-75 d.
[types.LT_HSC]
lineage = "stem"
initial = 1010
# HSCs leave for the blood at 1-5 %/day and home back next to a sinusoid, then climb CXCL12 to
# a free niche (Bhattacharya 2009 J Exp Med 206:2837): 2 %/day.
egress_per_day = 0.02
)toml";

const char* kMouseNiche = R"toml(
quiescence_exit_per_day = 0.016
# Out of G0 a niche HSC divides (0.2/day) or returns (0.2/day): days in G1 before a division,
# so that about a tenth of LT-HSCs cycle at rest, as most (~75 %) are in G0 (Cheshier 1999 Proc
# Natl Acad Sci USA 96:3120), and most cycle after 5-FU (Wilson 2008 Cell 135:1118).
division_per_day = 0.2
quiescence_entry_per_day = 0.2

[types.ST_HSC]
lineage = "stem"
initial = 420
division_per_day = 0.2
migration_per_day = 4.0
self_renewal = 0.2
asymmetric = 0.3
differentiation = 0.5
differentiate_to = { MPP = 1.0 }

[types.MPP]
lineage = "multipotent"
initial = 470
division_per_day = 0.5
migration_per_day = 4.0
self_renewal = 0.15
asymmetric = 0.25
differentiation = 0.6
differentiate_to = { CMP = 0.75, CLP = 0.25 }

[types.CMP]
lineage = "myeloid"
initial = 1430
division_per_day = 1.0
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.2
differentiation = 0.5
differentiate_to = { GMP = 0.6, MEP = 0.4 }

[types.CLP]
lineage = "lymphoid"
initial = 440
division_per_day = 1.0
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.2
differentiation = 0.5
differentiate_to = { LyP = 1.0 }

[types.GMP]
lineage = "myeloid"
initial = 3630
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.2
differentiation = 0.5
differentiate_to = { MyP = 1.0 }

[types.MEP]
lineage = "erythroid"
initial = 2490
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.3
asymmetric = 0.2
differentiation = 0.5
differentiate_to = { EryP = 0.7, MkP = 0.3 }

[types.EryP]
lineage = "erythroid"
initial = 13420
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.35
asymmetric = 0.15
differentiation = 0.5
differentiate_to = { erythroid = 1.0 }

[types.MyP]
lineage = "myeloid"
initial = 27890
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.35
asymmetric = 0.15
differentiation = 0.5
differentiate_to = { myeloid = 1.0 }

[types.MkP]
lineage = "megakaryocyte"
initial = 5760
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.35
asymmetric = 0.15
differentiation = 0.5
differentiate_to = { megakaryocyte = 1.0 }

[types.LyP]
lineage = "lymphoid"
initial = 1960
division_per_day = 1.5
migration_per_day = 4.0
self_renewal = 0.35
asymmetric = 0.15
differentiation = 0.5
differentiate_to = { lymphoid = 1.0 }

)toml";

const char* kMouseTail = R"toml(
# Feedback as in the human preset (model assumption: the same hormone kinetics and responses;
# verify for mouse), at the mouse's set points.
[maturation.myeloid]
stages = 4
transit_days = 5.8        # as human (Lahoz-Beneytez 2016 Blood 127:3431; verify for mouse)
amplification = 9.317
feeds = { neutrophils = 0.9, monocytes = 0.1 }
hormone = "G-CSF"
feedback_sensor = "neutrophils"
feedback_set_point = 1.0
hormone_half_life_hours = 3.5    # as human (Layton 1989 Blood 74:1303; verify for mouse)
hormone_production = "constant"
specific_clearance = 0.9         # model assumption, as human
compartment_clearance = 0.0      # model assumption, as human
response_max = 2.0               # as human
response_hill = 2.0              # model assumption, as human
transit_speedup_max = 1.0        # as human

[maturation.erythroid]
stages = 4
transit_days = 4.0        # mouse erythroid maturation (verify)
amplification = 2111.0
feeds = { rbc = 1.0 }
hormone = "EPO"
feedback_sensor = "rbc"
feedback_set_point = 9.5
hormone_half_life_hours = 7.0    # as human (verify for mouse)
hormone_production = "exponential"
deficit_slope = 5.5              # as human (Beguin 1993 Blood 81:1067; verify for mouse)
response_max = 3.0               # red cell production rises ~3x at most (VALIDATION.md)
response_hill = 2.0              # model assumption, as human

[maturation.megakaryocyte]
stages = 4
transit_days = 4.0        # mouse megakaryocyte maturation (verify)
amplification = 6512.0
feeds = { platelets = 1.0 }
hormone = "TPO"
feedback_sensor = "platelets"
feedback_set_point = 1200.0
hormone_half_life_hours = 30.0   # as human (verify for mouse)
hormone_production = "constant"  # Kuter & Rosenberg 1995 Blood 85:2720
specific_clearance = 0.9         # model assumption, as human
compartment_clearance = 0.1      # model assumption, as human
response_max = 8.0               # platelet production can rise 5-10x: Harker 1977 Clin Haematol
response_hill = 2.0              # model assumption, as human

[maturation.lymphoid]
stages = 4
transit_days = 7.0        # (verify)
amplification = 5.10
feeds = { lymphocytes = 1.0 }

[blood.neutrophils]
lifespan_days = 0.52      # circulating lifespan 12.5 h: Pillay 2010 Blood 116:625
lifespan_cv = 1.0
destruction_per_day = 0.0
unit_per_l = 1.0e9

[blood.monocytes]
lifespan_days = 1.2       # Ly6C-high monocyte half-life ~20 h: Yona 2013 Immunity 38:79
lifespan_cv = 1.0
destruction_per_day = 0.0
unit_per_l = 1.0e9

[blood.lymphocytes]
lifespan_days = 60.0      # mixed naive and memory pools (verify)
lifespan_cv = 1.0
destruction_per_day = 0.0
unit_per_l = 1.0e9

[blood.rbc]
lifespan_days = 42.0      # 40-45 d: VALIDATION.md (de Jong 2001 Blood 98:1577)
lifespan_cv = 0.15        # senescence, as human (model assumption)
destruction_per_day = 0.0
unit_per_l = 1.0e12

# Reticulocytes counted within rbc: ~1 day in the blood, as in the human (model assumption;
# mouse reticulocytes are 2-5 % of red cells against ~1 % in humans, as their red cells live
# shorter).
[blood.reticulocytes]
young_of = "rbc"
lifespan_days = 1.0
lifespan_cv = 0.5
unit_per_l = 1.0e9

[blood.platelets]
lifespan_days = 4.0       # Mason 2007 Cell 128:1173
lifespan_cv = 0.3         # model assumption
destruction_per_day = 0.0
unit_per_l = 1.0e9
)toml";

// Treatment: radiation and drug sensitivities, graft sources, immunology and regeneration, the
// same in both presets (the graph below the HSCs is shared).
const char* kTreatment = R"toml(
# Regeneration: a depleted marrow recruits quiescent HSCs into cycle (after 5-FU: Harrison &
# Lerner 1991 Blood 78:1237; after irradiation and interferon: Essers 2009 Nature 458:904) and
# shifts divisions towards self-renewal, which is what makes repopulation efficient
# (Marciniak-Czochra 2009 Stem Cells Dev 18:377); once the pool has refilled, activated HSCs
# return to dormancy (Wilson 2008 Cell 135:1118). Activation a, between 1 and cap, multiplies
# quiescence exit and divides entry; a share renewal_boost * (1 - 1/a) of differentiating
# divisions self-renew instead. Stem cells sense it locally: a = (niche_occupancy_reference /
# occupancy)^gain from the occupancy of the working niche sites in their 160 um tile and the 8
# tiles around it (480 um: the reach of niche-derived signals over a few stromal cells; vacant
# niches call for refilling, lost niches do not). Progenitors sense the cellularity of the
# marrow: a = (reference agents / agents)^gain, the reference being the sum of the initial
# counts; stem cells take the larger of the two. Gain, cap, boosts and tile are model
# assumptions: an area at half the reference activates 16x, at a third of it the cap is
# reached; at full activation a fifth of a progenitor's differentiating divisions self-renew
# (renewal_boost, as calibrated on recovery after chemotherapy) and half of a niche stem
# cell's (stem_renewal_boost). The reference occupancy, 0.33,
# is chosen so that the pool at rest stays at its calibrated size (2100 HSCs on 5400 niche
# sites in the human preset).
[regeneration]
gain = 4.0
cap = 100.0
renewal_boost = 0.2
stem_renewal_boost = 0.5
niche_sensing_um = 160.0
niche_occupancy_reference = 0.33

# Stromal support of the niches recovers after conditioning damage over weeks (Dominici 2009
# Blood 114:2333 for the marrow stroma after irradiation; time constant a model assumption).
[stroma]
recovery_days = 21.0

# Multi-target single-hit survival S(D) = 1 - (1 - exp(-D / D0))^n, with a shoulder (n) and a
# final slope (1 / D0). Stem and progenitor cells and their maturation compartments (the
# defaults): D0 = 0.8 Gy, n = 3 (marrow colony-forming cells D0 0.6-1.05 Gy, extrapolation
# number ~3: Till & McCulloch 1961 Radiat Res 14:213; Petersen 1977 Scand J Haematol 18:235),
# S = 0.64, 0.23, 0.020, 0.0017 at 1, 2, 4 and 6 Gy. Damage of earlier fractions repairs with a
# half-time of ~1.5 h (Thames & Hendry 1987, Fractionation in Radiotherapy; verify for marrow):
# a fraction acts on the dose still unrepaired, so fractions 12 h apart multiply their
# single-dose survivals. Mature blood cells (neutrophils, red cells, platelets) are
# radioresistant (not listed: no kill). Lymphocytes are the most radiosensitive blood cells and
# die without a shoulder (Trowell 1952 J Pathol Bacteriol 64:687; verify), n = 1; host
# immunity is taken as sensitive as its lymphocytes. Their D0 = 1.25 Gy is a model assumption
# chosen to give exp(-1.6) = 0.20 per 2 Gy fraction, the survival the conditioning regimens were
# calibrated with, so that they keep their immunosuppression. Stroma tolerates far more
# (Greenberger 2009 In Vivo 23:323, verify): n = 1 and D0 = 25 Gy, a model assumption chosen to
# give the stromal damage per 2 Gy fraction the regimens were calibrated with, 1 - exp(-0.08).
[radiation]
repair_half_time_hours = 1.5
default_d0_gy = 0.8
default_extrapolation_number = 3.0
d0_gy = { lymphocytes = 1.25, immunity = 1.25, stroma = 25.0 }
extrapolation_number = { lymphocytes = 1.0, immunity = 1.0, stroma = 1.0 }

# Drugs: one-compartment pharmacokinetics (concentration as mg per kg body weight, first-order
# elimination), kill hazard kill_per_hour * sensitivity * C / (C + EC50). Half-lives from the
# cited pharmacology; EC50 and kill rates are model assumptions calibrated to the clinical
# effects named. Sensitivities not listed are default_sensitivity for cell types and maturation
# compartments, 0 for blood pools, stroma and immunity.
[drugs.cyclophosphamide]
# Half-life 3-12 h (Moore 1991 Clin Pharmacokinet 20:194). HSC-sparing: HSCs carry aldehyde
# dehydrogenase (Jones 1995 Blood 85:2742); strongly immunosuppressive.
half_life_hours = 7.0
ec50_mg_per_kg = 30.0
kill_per_hour = 0.15
cycling_only = false
default_sensitivity = 1.0
sensitivity = { LT_HSC = 0.02, ST_HSC = 0.2, immunity = 1.5, lymphocytes = 0.5, stroma = 0.01 }

[drugs.busulfan]
# Half-life ~2.5 h (Hassan 1989 Cancer Chemother Pharmacol 23:221, verify). Alkylates quiescent
# HSCs as well (non-specific, HSC-toxic); weakly immunosuppressive.
half_life_hours = 2.5
ec50_mg_per_kg = 2.0
kill_per_hour = 0.3
cycling_only = false
default_sensitivity = 1.0
sensitivity = { LT_HSC = 1.2, immunity = 0.2, stroma = 0.03 }

[drugs.fludarabine]
# Terminal half-life ~20 h (Gandhi & Plunkett 2002 Clin Pharmacokinet 41:93, verify). Potently
# lymphotoxic, mildly myelosuppressive.
half_life_hours = 20.0
ec50_mg_per_kg = 0.5
kill_per_hour = 0.01
cycling_only = false
default_sensitivity = 0.3
sensitivity = { CLP = 1.0, LyP = 1.0, lymphoid = 1.0, lymphocytes = 1.0, immunity = 3.0 }

[drugs.fluorouracil]
# 5-FU kills cycling cells only and spares quiescent HSCs (Van Zant 1984 J Exp Med 159:679;
# Harrison & Lerner 1991 Blood 78:1237); effective half-life a model assumption. It acts in S
# phase, so a type's sensitivity follows its division rate (model assumption: ST-HSC 0.2/day
# -> 0.15, MPP 0.5/day -> 0.35, CMP and CLP 1/day -> 0.7, committed progenitors 1.5/day -> 1);
# cycling LT-HSCs are taken as half as sensitive as the fastest cells. Maturing precursors
# in the maturation compartments are post-mitotic for the most part and spared, as in the
# Friberg model's transit compartments (Friberg 2002 J Clin Oncol 20:4713).
half_life_hours = 2.0
ec50_mg_per_kg = 5.0
kill_per_hour = 0.75
cycling_only = true
default_sensitivity = 1.0
sensitivity = { LT_HSC = 0.6, ST_HSC = 0.15, MPP = 0.35, CMP = 0.7, CLP = 0.7, myeloid = 0.0, erythroid = 0.0, megakaryocyte = 0.0, lymphoid = 0.0, lymphocytes = 0.1 }

# Graft sources: whole-body cells of each type per infused CD34+ cell (agents are the dose
# times the weight times these, times the represented fraction and the homing efficiency).
# Bone marrow starts from the marrow's own mix: its steady-state content of each type (initial
# count / represented fraction) over its CD34+ cells, ~1 % of 7.3e11 nucleated cells (Harrison
# 1962 J Clin Pathol 15:254; CD34+ ~1 % of marrow: Civin 1984 J Immunol 133:157, verify), e.g.
# LT_HSC 1e5 / 7.3e9 = 1.37e-5. Mobilized blood is richer in committed myeloid progenitors per
# CD34+ (To 1997 Blood 89:2233) and cord blood in primitive cells of high proliferative
# potential (Hao 1995 Blood 86:3745). The committed-progenitor contents are calibrated to the
# median engraftment days of VALIDATION.md item 3 (neutrophils PBSC ~14, marrow ~19, cord blood
# ~24; platelets PBSC 13-18, marrow 19-25: Champlin 2000 Blood 95:3702; Ruggeri 2014
# Haematologica 99:1509) under the myeloablative regimen: they are fitted, not measured.
# Homing efficiency ~10 % (model assumption; murine estimates 5-20 %, van Hennik 1999 Blood
# 94:3055, verify). T cells per CD34+: PBSC ~2.5e8 CD3+/kg with 5e6 CD34+/kg, marrow ~2.5e7
# CD3+/kg with 2.5e6 CD34+/kg, cord blood ~1e7/kg with 1.5e5 CD34+/kg (Ottinger 1996 Blood
# 88:2775, verify).
[grafts.peripheral_blood]
per_cd34 = { LT_HSC = 1.0e-5, ST_HSC = 6.9e-6, MPP = 1.13e-5, CMP = 8.0e-5, CLP = 8.4e-6, GMP = 1.8e-4, MEP = 1.0e-5, EryP = 1.45e-4, MyP = 9.3e-4, MkP = 5.0e-6, LyP = 2.95e-5 }
t_cells_per_cd34 = 50.0
cd34_per_tnc = 0.005      # verify
homing_efficiency = 0.1

[grafts.cord_blood]
per_cd34 = { LT_HSC = 1.0e-4, ST_HSC = 5.0e-5, MPP = 1.0e-4, CMP = 2.0e-4, CLP = 8.0e-5, GMP = 2.25e-3, MEP = 1.0e-4, EryP = 1.0e-3, MyP = 7.5e-3, MkP = 2.0e-5, LyP = 3.0e-4 }
t_cells_per_cd34 = 67.0
cd34_per_tnc = 0.005      # 3e7 TNC/kg ~ 1.5e5 CD34+/kg (VALIDATION.md, verify)
homing_efficiency = 0.1

# Allogeneic immunology, minimal: host immunity left by conditioning rejects donor cells, and
# grows back logistically; donor T cells remove host hematopoietic cells (and host immunity),
# reaching full strength over weeks. Rates are model assumptions chosen so that myeloablative
# grafts reach full donor chimerism by day 100 and reduced-intensity ones stay mixed for months
# (Baron 2004 Blood 104:2254 for chimerism after nonmyeloablative conditioning, verify).
[immunology]
rejection_per_day = 0.05
gvh_per_day = 0.02
t_cell_reference_per_kg = 1.0e8
gvh_onset_days = 30.0
recovery_per_day = 0.05
)toml";

// Human marrow grafts (see the graft sources above).
const char* kHumanMarrowGraft = R"toml(
# Supportive care rules (supportive_care = "standard"), checked on the morning count: one
# apheresis platelet unit (>= 3e11 platelets: AABB standard; ~2/3 circulate, a third pooling in
# the spleen, Slichter 2010 N Engl J Med 362:600) when platelets are below 10e9/L (prophylactic
# threshold: Rebulla 1997 N Engl J Med 337:1870); one red-cell unit (~55 g hemoglobin, 1.9e12
# red cells at 29 pg, raising hemoglobin ~1 g/dL in an adult; verify) when hemoglobin is below
# 7 g/dL (restrictive threshold: Hebert 1999 N Engl J Med 340:409; Carson 2016 JAMA 316:2025).
[transfusion]
platelet_threshold = 10.0
platelet_unit_cells = 3.0e11
platelet_recovery = 0.67
hemoglobin_threshold = 7.0
rbc_unit_cells = 1.9e12
rbc_units = 1

[grafts.bone_marrow]
per_cd34 = { LT_HSC = 1.37e-5, ST_HSC = 6.9e-6, MPP = 5.0e-6, CMP = 1.0e-5, CLP = 8.4e-6, GMP = 2.9e-4, MEP = 3.0e-6, EryP = 1.45e-4, MyP = 1.0e-3, MkP = 2.0e-6, LyP = 2.95e-5 }
t_cells_per_cd34 = 10.0
cd34_per_tnc = 0.008      # 3e8 TNC/kg ~ 2.4e6 CD34+/kg (VALIDATION.md, verify)
homing_efficiency = 0.1
)toml";

// Mouse marrow grafts from mouse data: the mouse marrow's own mix, whole-body steady-state
// content of each type (initial count / represented fraction) per nucleated marrow cell, so a
// graft of N marrow cells carries N x 3.2e-5 HSCs (1.5e4 HSCs in 4.7e8 cells: Abkowitz 2000
// Blood 96:3399; Colvin 2004 Leukemia). A dose is given as tnc_per_kg (cd34_per_tnc = 1: the
// per-"CD34+" contents below are per nucleated cell; mouse HSCs are CD34-negative). Stem cells
// seed the marrow better than the human preset's 10 % for all cells: about a quarter of
// intravenously injected primitive cells seed the marrow (van der Loo & Ploemacher 1995 Blood
// 85:2598, verify), so homing_efficiency 0.25. No T-cell content: syngeneic and congenic
// grafts are the mouse's use.
const char* kMouseMarrowGraft = R"toml(
# Supportive care in the mouse: the human rules with units scaled to the blood volume (0.002 of
# 5 L; model assumption). Mouse counts are higher (platelets ~1000e9/L), so the thresholds are
# scaled to the normal counts: platelets 40e9/L, hemoglobin 7 g/dL as in the human.
[transfusion]
platelet_threshold = 40.0
platelet_unit_cells = 1.2e8
platelet_recovery = 0.67
hemoglobin_threshold = 7.0
rbc_unit_cells = 1.5e9
rbc_units = 1

[grafts.bone_marrow]
per_cd34 = { LT_HSC = 3.19e-05, ST_HSC = 1.33e-05, MPP = 1.49e-05, CMP = 4.52e-05, CLP = 1.39e-05, GMP = 0.000115, MEP = 7.87e-05, EryP = 0.000424, MyP = 0.000881, MkP = 0.000182, LyP = 6.19e-05 }
t_cells_per_cd34 = 0.0
cd34_per_tnc = 1.0
homing_efficiency = 0.25
)toml";

const std::map<std::string, std::string>& presets() {
  static const std::map<std::string, std::string> p = {
      {"human", std::string(kHuman) + kStemCell + kHumanNiche + kFields + kHumanTail + kTreatment +
                    kHumanMarrowGraft},
      {"mouse", std::string(kMouse) + kStemCell + kMouseNiche + kFields + kMouseTail + kTreatment +
                    kMouseMarrowGraft}};
  return p;
}

}  // namespace

const std::string& preset_text(const std::string& name) { return presets().at(name); }

std::vector<std::string> preset_names() {
  std::vector<std::string> n;
  for (const auto& [k, v] : presets()) n.push_back(k);
  return n;
}

std::string regimen_text(const std::string& name) {
  const LibraryEntry* e = library_entry("regimens", name);
  if (!e) throw std::out_of_range("unknown regimen " + name);
  return std::string(e->text);
}

std::vector<std::string> regimen_names() { return library_names("regimens"); }

}  // namespace marrow
