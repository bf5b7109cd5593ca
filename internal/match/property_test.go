package match

import (
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// TestConstraintProperties checks every criterion of the bundled records
// that rests on one threshold or one biomarker, as a patient would meet
// it: a value that satisfies the threshold makes an inclusion met and
// leaves an exclusion untriggered (met), a value that violates it does
// the opposite — or leaves it unknown where the parser hedged the
// reading — and no answer leaves it unknown. That holds for criteria
// whose text was read whole; one with words nothing read (coverage.go)
// gives what its threshold decides or unknown, and an inclusion of that
// kind is never met. No criterion may say "not met" both for a
// satisfying and a violating answer.
func TestConstraintProperties(t *testing.T) {
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	covered, partial := 0, 0
	for _, s := range loadDemo(t) {
		c := eligibility.Parse(s.Eligibility.Criteria)
		for _, sec := range []struct {
			items []eligibility.Item
			excl  bool
		}{{c.Inclusion, false}, {c.Exclusion, true}} {
			var walk func(items []eligibility.Item)
			walk = func(items []eligibility.Item) {
				for i := range items {
					it := &items[i]
					walk(it.Items)
					if len(it.Items) > 0 || it.Allowance {
						continue
					}
					pit := prepareItem(it, sec.excl)
					pc, ok := single(pit)
					if !ok || pit.exception {
						continue
					}
					sat, viol, ok := answersFor(pc.c)
					if !ok || sat.Validate() != nil {
						continue // a unit only some labs report in (copies/mL)
					}
					if pit.partial {
						partial++
					} else {
						covered++
					}
					status := func(p patient.Profile) Status {
						f, err := p.Facts(fixedDay)
						if err != nil {
							t.Fatalf("%s: %v", s.NCTID, err)
						}
						ck := checker{pi: newProfileIndex(f, v)}
						return ck.item(&pit, sec.excl, nil)
					}
					got := [3]Status{status(sat), status(viol), status(patient.Profile{})}
					want := [3]Status{Met, NotMet, Unknown}
					// What a constraint states is what an exclusion keeps
					// out: its satisfying value triggers the exclusion.
					if sec.excl {
						want[0], want[1] = NotMet, Met
					}
					if pc.c.Negated && pc.c.Kind == eligibility.KindMeasure {
						want[0], want[1] = want[1], want[0]
					}
					for k := range 3 {
						ok := got[k] == want[k] || pc.hedged && want[k] == NotMet && got[k] == Unknown
						if pit.partial {
							ok = got[k] == Unknown || got[k] == want[k] && (sec.excl || want[k] != Met)
						}
						if ok {
							continue
						}
						t.Errorf("%s %q (%s %s %v %v%s, hedged %v, partly read %v): answers sat/viol/none give %v, want %v",
							s.NCTID, criterionText(it.Text), pc.c.Kind, pc.c.Variable+pc.c.Term, pc.c.Op, pc.c.Value, pc.c.Unit, pc.hedged, pit.partial, got, want)
						break
					}
					if got[0] == NotMet && got[1] == NotMet {
						t.Errorf("%s %q: not met whatever the answer", s.NCTID, criterionText(it.Text))
					}
				}
			}
			walk(sec.items)
		}
	}
	if covered < 300 {
		t.Errorf("only %d single-constraint criteria read whole checked", covered)
	}
	t.Logf("%d single-constraint criteria checked: %d read whole, %d with words nothing read", covered+partial, covered, partial)
}

// single returns the one constraint an item is checked on, if it has
// exactly one.
func single(it pitem) (pcons, bool) {
	var out []pcons
	for _, pc := range it.cons {
		if !pc.skip {
			out = append(out, pc)
		}
	}
	if len(out) != 1 {
		return pcons{}, false
	}
	return out[0], true
}

// answersFor builds a profile that satisfies what c states and one that
// violates it, for thresholds on a lab or score, biomarkers and counts
// of prior lines of treatment.
func answersFor(c *eligibility.Constraint) (sat, viol patient.Profile, ok bool) {
	switch c.Kind {
	case eligibility.KindBiomarker:
		yes, no := "positive", "negative"
		if c.Value == eligibility.BiomarkerNegative {
			yes, no = no, yes
		}
		return patient.Profile{Biomarkers: []patient.Biomarker{{Name: c.Term, Status: yes}}},
			patient.Profile{Biomarkers: []patient.Biomarker{{Name: c.Term, Status: no}}}, true
	case eligibility.KindPriorLines:
		return linesAnswers(c)
	case eligibility.KindMeasure:
	default:
		return sat, viol, false
	}
	switch c.Variable {
	case "age", "window", "life_expectancy", "ecog", "who_ps", "karnofsky":
		return sat, viol, false // ages and performance scales have their own tests and paths
	}
	if _, known := patient.LookupVariable(c.Variable); !known {
		return sat, viol, false
	}
	unit := c.Unit
	if c.ULNMultiple {
		unit = "ULN"
	}
	step := max(c.Value*0.2, 0.5)
	var in, out float64
	switch c.Op {
	case eligibility.OpGE, eligibility.OpGT:
		in, out = c.Value+step, c.Value-step
	case eligibility.OpLE, eligibility.OpLT:
		in, out = c.Value-step, c.Value+step
	case eligibility.OpBetween:
		in, out = (c.Value+c.Value2)/2, c.Value2+max(c.Value2*0.2, 0.5)
	case eligibility.OpEQ:
		in, out = c.Value, c.Value+step
	default:
		return sat, viol, false
	}
	if in < 0 || out < 0 {
		return sat, viol, false
	}
	lab := func(x float64) patient.Profile {
		return patient.Profile{Labs: []patient.Lab{{Name: c.Variable, Value: x, Unit: unit}}}
	}
	return lab(in), lab(out), true
}

// linesAnswers gives a count of prior lines inside and one outside what
// c counts. A reading from progression says nothing of a count (a
// patient with lines is unknown on it) and has no such pair.
func linesAnswers(c *eligibility.Constraint) (sat, viol patient.Profile, ok bool) {
	var in, out int
	v := int(c.Value)
	switch c.Op {
	case eligibility.OpEQ:
		in, out = v, v+1
	case eligibility.OpGE:
		in, out = v, v-1
	case eligibility.OpGT:
		in, out = v+1, v
	case eligibility.OpLE:
		in, out = v, v+1
	case eligibility.OpLT:
		in, out = v-1, v
	case eligibility.OpBetween:
		in, out = v, int(c.Value2)+1
	}
	if c.Term == eligibility.ProgressedAfterPrior || in < 0 || out < 0 {
		return sat, viol, false
	}
	return patient.Profile{PriorLines: &in}, patient.Profile{PriorLines: &out}, true
}
