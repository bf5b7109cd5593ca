package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
)

func init() {
	register(command{
		name:    "criteria",
		args:    "[--json] FILE|-",
		summary: "split eligibility criteria text into items and structured constraints",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			asJSON := fs.Bool("json", false, "print the structured criteria as JSON")
			return func(ctx context.Context, args []string) error {
				if len(args) != 1 {
					return errUsage
				}
				text, err := readInput(args[0])
				if err != nil {
					return err
				}
				c := eligibility.Parse(text)
				if *asJSON {
					enc := json.NewEncoder(os.Stdout)
					enc.SetIndent("", "  ")
					enc.SetEscapeHTML(false)
					return enc.Encode(c)
				}
				writeOutline(os.Stdout, c)
				return nil
			}
		},
	})
}

func readInput(name string) (string, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return "", fmt.Errorf("read criteria %s: %w", name, err)
	}
	return string(b), nil
}

func writeOutline(w io.Writer, c eligibility.Criteria) {
	if c.NoHeaders {
		fmt.Fprintln(w, "(no inclusion/exclusion headers: all items listed as inclusion)")
	}
	for _, sec := range []struct {
		name  string
		items []eligibility.Item
	}{{"Inclusion", c.Inclusion}, {"Exclusion", c.Exclusion}, {"Other", c.Other}} {
		if len(sec.items) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%d)\n", sec.name, len(sec.items))
		writeItems(w, sec.items, "  ")
	}
}

func writeItems(w io.Writer, items []eligibility.Item, indent string) {
	for i, it := range items {
		text := strings.Join(strings.Fields(it.Text), " ")
		mark := ""
		if it.AnyOf {
			mark = " [any of]"
		}
		fmt.Fprintf(w, "%s%d. %s%s\n", indent, i+1, text, mark)
		for _, c := range it.Constraints {
			fmt.Fprintf(w, "%s   -> %s\n", indent, describe(c))
		}
		writeItems(w, it.Items, indent+"   ")
	}
}

func describe(c eligibility.Constraint) string {
	var b strings.Builder
	if c.Negated {
		b.WriteString("NOT ")
	}
	if c.Kind != eligibility.KindMeasure {
		fmt.Fprintf(&b, "%s: %s", c.Kind, c.Term)
		if len(c.Examples) > 0 {
			fmt.Fprintf(&b, " (e.g. %s)", strings.Join(c.Examples, ", "))
		}
		if w := c.Window; w != nil {
			fmt.Fprintf(&b, " [window %s days]", bound(w.Op, w.Value, w.Value2))
		}
		return b.String()
	}
	unit := c.Unit
	if c.ULNMultiple {
		unit = "x ULN"
	}
	fmt.Fprintf(&b, "%s %s %s", c.Variable, bound(c.Op, c.Value, c.Value2), unit)
	if o := c.Original; o != nil && o.Unit != unit && o.Unit != "" {
		fmt.Fprintf(&b, " (written %s %s)", bound(c.Op, o.Value, o.Value2), o.Unit)
	}
	return strings.TrimSpace(b.String())
}

func bound(op string, v, v2 float64) string {
	if op == eligibility.OpBetween {
		return num(v) + ".." + num(v2)
	}
	return op + " " + num(v)
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }
