package match

import (
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// TestCompactChecksLikeFull: ranking counts with the packed criteria a
// matcher keeps, hits are explained with the full ones; for every demo
// study and a range of patients (the benchmark notes, read as profiles)
// both must give the same counts and verdict.
func TestCompactChecksLikeFull(t *testing.T) {
	topics, err := ReadTopics(openTestdata(t, "trec_2021_queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	profiles := []patient.Profile{breastProfile, {}}
	for _, tp := range topics[:min(len(topics), 25)] {
		p, _ := patient.FromText(tp.Text)
		profiles = append(profiles, p)
	}
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	var pis []*profileIndex
	for _, p := range profiles {
		f, err := p.Facts(fixedDay)
		if err != nil {
			t.Fatal(err)
		}
		pis = append(pis, newProfileIndex(f, v))
	}
	pk := newPacker()
	b := NewBuilder(Options{All: true})
	checked, differing := 0, 0
	for _, s := range loadDemo(t) {
		b.Add(&s)
		kept := b.trials[s.NCTID]
		c := eligibility.Parse(s.Eligibility.Criteria)
		full, packed := prepare(c), pk.pack(prepare(c))
		u := newUnpacker(pk.names)
		for i, pi := range pis {
			want, got := pi.check(s.NCTID, &s.Eligibility, full, true), pi.check(kept.id, &kept.elig, u.unpack(packed), false)
			checked++
			if got.Counts != want.Counts || got.Verdict != want.Verdict {
				differing++
				if differing <= 5 {
					t.Errorf("%s, profile %d: compact %v %+v, full %v %+v", s.NCTID, i, got.Verdict, got.Counts, want.Verdict, want.Counts)
				}
			}
		}
	}
	if differing > 0 || checked < 1000 {
		t.Errorf("%d of %d checks differ", differing, checked)
	}
}
