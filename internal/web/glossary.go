package web

import (
	"html"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// term is one glossary entry.
type term struct {
	ID, Term, Definition string
}

// glossaryTerms are the words of trial pages a reader may not know,
// defined in plain language.
var glossaryTerms = []term{
	{"clinical-trial", "Clinical trial", "A research study that tests whether a treatment, device or other approach is safe and works in people."},
	{"early-phase-1", "Early Phase 1", "A very small first study in people, often with tiny doses, to learn how a drug behaves in the body before larger Phase 1 studies. It is not meant to treat the condition."},
	{"phase-1", "Phase 1", "The first tests of a treatment in a small group of people (often 20 to 80) to find a safe dose and learn about side effects."},
	{"phase-2", "Phase 2", "Tests in a larger group (often a few hundred people) to see whether the treatment works and to learn more about its safety."},
	{"phase-3", "Phase 3", "Large studies (often hundreds to thousands of people) that compare the new treatment with the usual treatment or a placebo. Results are used to decide whether it should be approved."},
	{"phase-4", "Phase 4", "Studies done after a treatment is approved, to learn more about its long-term benefits and risks in everyday use."},
	{"phase-not-applicable", "Phase: not applicable", "Phases describe drug trials. Studies of devices, behaviour or other things, and observational studies, have no phase."},
	{"study-type", "Study type", "Whether the study gives participants a treatment (interventional), only watches what happens to them (observational), or offers an unapproved treatment outside a trial (expanded access)."},
	{"interventional", "Interventional study", "A study in which participants receive a treatment, device, procedure or other action chosen by the researchers, so its effects can be measured."},
	{"observational", "Observational study", "A study that watches and measures participants without assigning them a treatment."},
	{"expanded-access", "Expanded access", "A way for a patient with a serious condition to get an experimental treatment outside a clinical trial, when no other options are available. Also called compassionate use."},
	{"randomized", "Randomized", "Participants are put into groups by chance, like flipping a coin, so the groups can be compared fairly."},
	{"allocation", "Allocation", "How participants are put into the study's groups: by chance (randomized), or not."},
	{"interventional-model", "Interventional model", "How the study's groups are arranged: one group (single group), groups side by side (parallel), or each participant trying each treatment in turn (crossover)."},
	{"masking", "Masking (blinding)", "Keeping people from knowing which treatment each participant gets, so that expectations do not affect the results. \"Open label\" means everyone knows; \"double\" usually means neither participants nor doctors know."},
	{"placebo", "Placebo", "A dummy treatment that looks like the real one but has no active ingredient, used to compare against the treatment being tested."},
	{"arm", "Arm (patient group)", "A group of participants in a study who all receive the same treatment or action."},
	{"ecog", "ECOG performance status", "A 0 to 5 scale doctors use to describe how well a person can carry out daily activities: 0 is fully active, 1 is able to do light work, 2 is up and about more than half the day, up to 5 (dead). Trials often ask for 0 or 1."},
	{"karnofsky", "Karnofsky performance status", "A 0 to 100 scale of how well a person can carry out daily activities: 100 is normal with no complaints, 70 means caring for oneself but unable to work, lower scores mean more help is needed."},
	{"healthy-volunteers", "Healthy volunteers", "People without the condition being studied. Some trials need them, for example to test safety or to compare with patients."},
	{"inclusion-criteria", "Inclusion criteria", "The things a person must have or be to join a trial, such as a diagnosis, an age range or test results."},
	{"exclusion-criteria", "Exclusion criteria", "The things that stop a person from joining a trial, such as another illness or a medicine they take, usually for their safety."},
	{"enrollment", "Enrollment", "The number of participants in the study: the target number while it recruits (\"estimated\"), the actual number afterwards."},
	{"sponsor", "Sponsor", "The company, university, hospital or other organisation responsible for the study."},
	{"collaborator", "Collaborator", "An organisation that helps the sponsor run or pay for the study."},
	{"funder-type", "Funder type", "Who pays for the study: industry (drug and device companies), NIH or other U.S. federal agencies, other governments, or others such as universities, hospitals and charities."},
	{"status-recruiting", "Recruiting", "The study is looking for participants now."},
	{"status-not-yet-recruiting", "Not yet recruiting", "The study has not started looking for participants yet."},
	{"status-enrolling-by-invitation", "Enrolling by invitation", "The study is choosing participants from a group of people it invites; others cannot apply."},
	{"status-active-not-recruiting", "Active, not recruiting", "The study is running but is no longer looking for participants."},
	{"status-completed", "Completed", "The study has ended normally."},
	{"status-suspended", "Suspended", "The study has stopped for now but may start again."},
	{"status-terminated", "Terminated", "The study stopped early and will not start again."},
	{"status-withdrawn", "Withdrawn", "The study stopped before enrolling its first participant."},
	{"status-unknown", "Unknown status", "The study was last said to be recruiting or active, but its status has not been checked for more than two years."},
	{"primary-purpose", "Primary purpose", "The main reason for the study, such as treatment, prevention, diagnosis or supportive care."},
	{"nct-id", "NCT number", "The unique ID that ClinicalTrials.gov gives each study, such as NCT05111366. Quote it when you contact a trial team."},
}

// glossaryIDs maps a label as trial pages show it to its entry.
var glossaryIDs = map[string]string{
	"Early Phase 1": "early-phase-1", "Phase 1": "phase-1", "Phase 2": "phase-2", "Phase 3": "phase-3", "Phase 4": "phase-4",
	"Interventional": "interventional", "Observational": "observational", "Expanded access": "expanded-access",
	"Randomized": "randomized", "Non-Randomized": "randomized",
	"Recruiting": "status-recruiting", "Not yet recruiting": "status-not-yet-recruiting",
	"Enrolling by invitation": "status-enrolling-by-invitation", "Active, not recruiting": "status-active-not-recruiting",
	"Completed": "status-completed", "Suspended": "status-suspended", "Terminated": "status-terminated",
	"Withdrawn": "status-withdrawn", "Unknown": "status-unknown",
	"Accepts Healthy Volunteers": "healthy-volunteers", "No Healthy Volunteers": "healthy-volunteers",
	// Trial design labels, and the criteria headings that get a "What are
	// ...?" link.
	"Primary purpose": "primary-purpose", "Allocation": "allocation", "Interventional model": "interventional-model", "Masking": "masking",
	"Inclusion criteria": "inclusion-criteria", "Exclusion criteria": "exclusion-criteria",
}

func (s *site) glossary(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "glossary", "Glossary", glossaryTerms)
}

// termPattern finds the scales in criteria text that the glossary
// explains.
var termPattern = regexp.MustCompile(`\b(ECOG|Karnofsky|placebo|randomi[sz]ed)\b`)

// termStems are what every match of termPattern contains: most criteria
// name none of them, and looking for them is cheaper than the pattern.
var termStems = []string{"ECOG", "Karnofsky", "placebo", "randomi"}

// glossify escapes text and links the glossary's terms in it.
func glossify(text string) template.HTML {
	if !slices.ContainsFunc(termStems, func(s string) bool { return strings.Contains(text, s) }) {
		return template.HTML(html.EscapeString(text))
	}
	var b strings.Builder
	last := 0
	for _, m := range termPattern.FindAllStringIndex(text, -1) {
		b.WriteString(html.EscapeString(text[last:m[0]]))
		word := text[m[0]:m[1]]
		id := strings.ToLower(word)
		if strings.HasPrefix(id, "randomi") {
			id = "randomized"
		}
		b.WriteString(`<a class="term" href="/glossary#` + id + `">` + html.EscapeString(word) + `</a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(text[last:]))
	return template.HTML(b.String())
}
