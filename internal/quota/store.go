package quota

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/store"
)

// Tables:
//
//	quota.usage   account/region/planId/keyId/yyyy-mm-dd → usageRecord
//	              requests counted for the key in the plan on that UTC day
//	quota.adjust  account/region/planId/keyId/yyyy-mm-dd → adjustRecord
//	              a remaining-quota change (UpdateUsage) for the window
//	              starting that day
//
// The day is the last key part, so one key's days of one month share the
// scan prefix account/region/planId/keyId/yyyy-mm, and a plan's records
// the prefix account/region/planId/ (DeletePlan, DeleteKey).
const (
	TableUsage  = "quota.usage"
	TableAdjust = "quota.adjust"
)

type usageRecord struct {
	Used int64 `json:"used"`
}

type adjustRecord struct {
	Extra int64 `json:"extra"` // added to the limit for the window
}

func usageKey(k Key, d dayNum) string {
	return store.Key(k.Account, k.Region, k.Plan, k.APIKey, d.String())
}

func adjustKey(k Key, windowStart dayNum) string {
	return store.Key(k.Account, k.Region, k.Plan, k.APIKey, windowStart.String())
}

// readDays returns k's stored day totals for the days [from, to).
func readDays(tx store.Tx, k Key, from, to dayNum) (map[dayNum]int64, error) {
	out := map[dayNum]int64{}
	base := store.Key(k.Account, k.Region, k.Plan, k.APIKey) + "/"
	var months []string
	for d := from; d < to; d++ {
		if m := d.month(); len(months) == 0 || months[len(months)-1] != m {
			months = append(months, m)
		}
	}
	for _, m := range months {
		var decErr error
		err := tx.Scan(TableUsage, base+m, func(key string, v []byte) bool {
			d, ok := parseDay(key[strings.LastIndexByte(key, '/')+1:])
			if !ok || d < from || d >= to {
				return true
			}
			var r usageRecord
			if decErr = json.Unmarshal(v, &r); decErr != nil {
				return false
			}
			out[d] = r.Used
			return true
		})
		if err != nil {
			return nil, err
		}
		if decErr != nil {
			return nil, decErr
		}
	}
	return out, nil
}

func readExtra(tx store.Tx, k Key, windowStart dayNum) (int64, error) {
	r, err := store.GetJSON[adjustRecord](tx, TableAdjust, adjustKey(k, windowStart))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return r.Extra, nil
}

// Load reads the counts stored for the current and the previous month,
// so that keys start from what was counted before this process (or by
// other nodes). Call it once before serving.
func (c *Counters) Load(ctx context.Context, st store.Store) error {
	now := c.clk.Now().UTC()
	today := dayOf(now)
	from := dayOf(time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC))
	recent := map[Key]map[dayNum]int64{}
	err := st.View(ctx, func(tx store.Tx) error {
		var decErr error
		err := tx.Scan(TableUsage, "", func(key string, v []byte) bool {
			p := strings.Split(key, "/")
			if len(p) != 5 {
				return true
			}
			d, ok := parseDay(p[4])
			if !ok || d < from || d > today {
				return true
			}
			var r usageRecord
			if decErr = json.Unmarshal(v, &r); decErr != nil {
				return false
			}
			k := Key{p[0], p[1], p[2], p[3]}
			if recent[k] == nil {
				recent[k] = map[dayNum]int64{}
			}
			recent[k][d] = r.Used
			return true
		})
		if err != nil {
			return err
		}
		return decErr
	})
	if err != nil {
		return err
	}
	for k, days := range recent {
		if ctr := c.lookup(k); ctr != nil {
			ctr.mu.Lock()
			ctr.stored = days
			if ctr.start >= 0 {
				ctr.recount()
			}
			ctr.mu.Unlock()
			continue
		}
		c.mu.Lock()
		c.recent[k] = days
		c.mu.Unlock()
	}
	return nil
}

// Sync writes the requests counted since the last Sync to the store and
// reads back every counted key's totals for its current window (which
// include other nodes' requests) and remaining-quota adjustments, all in
// one transaction. The data plane calls it periodically (every few
// seconds), and on shutdown; never per request. On error nothing counted
// is lost: it is written by the next Sync.
func (c *Counters) Sync(ctx context.Context, st store.Store) error {
	type snap struct {
		k          Key
		ctr        *counter
		start, end dayNum
		pending    map[dayNum]int64
	}
	var snaps []snap
	c.each(func(k Key, ctr *counter) { snaps = append(snaps, snap{k: k, ctr: ctr}) })
	today := dayOf(c.clk.Now())
	for i := range snaps {
		s := &snaps[i]
		s.ctr.mu.Lock()
		s.start, s.end = s.ctr.start, s.ctr.end
		if s.start < 0 { // never used: nothing to read for it
			s.start, s.end = today, today+1
		}
		// Read through today even when the window ended: the next Take
		// rolls into the window that holds today.
		s.end = max(s.end, today+1)
		if len(s.ctr.pending) > 0 {
			s.pending, s.ctr.pending = s.ctr.pending, map[dayNum]int64{}
		}
		s.ctr.mu.Unlock()
	}

	stored := make([]map[dayNum]int64, len(snaps))
	extras := make([]map[dayNum]int64, len(snaps))
	err := st.Update(ctx, func(tx store.Tx) error {
		for i, s := range snaps {
			for d, n := range s.pending {
				r, err := store.GetJSON[usageRecord](tx, TableUsage, usageKey(s.k, d))
				if errors.Is(err, store.ErrNotFound) {
					r, err = &usageRecord{}, nil
				}
				if err != nil {
					return err
				}
				r.Used += n
				if err := store.PutJSON(tx, TableUsage, usageKey(s.k, d), r); err != nil {
					return err
				}
			}
			days, err := readDays(tx, s.k, s.start, s.end)
			if err != nil {
				return err
			}
			stored[i] = days
			extras[i] = map[dayNum]int64{}
			for _, ws := range windowStarts(s.ctr, s.start, today) {
				x, err := readExtra(tx, s.k, ws)
				if err != nil {
					return err
				}
				if x != 0 {
					extras[i][ws] = x
				}
			}
		}
		return nil
	})
	for i, s := range snaps {
		s.ctr.mu.Lock()
		if err != nil {
			for d, n := range s.pending {
				s.ctr.pending[d] += n
			}
		} else {
			s.ctr.stored, s.ctr.extra = stored[i], extras[i]
			if s.ctr.start >= 0 {
				s.ctr.recount()
			}
		}
		s.ctr.mu.Unlock()
	}
	return err
}

// windowStarts are the window starts whose adjustments a Sync reads: the
// counter's current window and the one holding today.
func windowStarts(ctr *counter, start, today dayNum) []dayNum {
	ctr.mu.Lock()
	s := ctr.settings
	ctr.mu.Unlock()
	out := []dayNum{start}
	if st, _ := s.Window(today.time()); dayOf(st) != start {
		out = append(out, dayOf(st))
	}
	return out
}

// Usage is what GetUsage reports for a plan: per API key id, one
// [used, remaining] pair per day of [startDate, endDate] (inclusive,
// yyyy-MM-dd) [D: GetUsage "values": daily logs of used and remaining
// quotas, e.g. {"{api_key}": [[0, 100], [10, 90], [100, 10]]}]. remaining
// is what was left of the quota window that day at its end. With no quota
// (q nil) remaining is 0 [?].
//
// keyIDs chooses the keys; nil means every key with a count in the plan in
// the range. It reads only what Sync has written.
func Usage(tx store.Tx, account, region, planID string, keyIDs []string, q *Settings, startDate, endDate string) (map[string][][]int64, error) {
	from, ok1 := parseDay(startDate)
	to, ok2 := parseDay(endDate)
	if !ok1 || !ok2 {
		return nil, errors.New("dates must be yyyy-MM-dd")
	}
	out := map[string][][]int64{}
	if to < from {
		return out, nil
	}
	scanFrom := from
	if q != nil {
		st, _ := q.Window(from.time())
		scanFrom = dayOf(st)
	}
	if keyIDs == nil {
		var err error
		if keyIDs, err = keysWithUsage(tx, account, region, planID, from, to); err != nil {
			return nil, err
		}
	}
	for _, id := range keyIDs {
		k := Key{account, region, planID, id}
		days, err := readDays(tx, k, scanFrom, to+1)
		if err != nil {
			return nil, err
		}
		rows := make([][]int64, 0, int(to-from)+1)
		var cum int64
		var winStart dayNum = -1
		var limit int64
		for d := scanFrom; d <= to; d++ {
			if q != nil {
				st, _ := q.Window(d.time())
				if ws := dayOf(st); ws != winStart {
					winStart, cum = ws, 0
					x, err := readExtra(tx, k, ws)
					if err != nil {
						return nil, err
					}
					limit = q.Limit + x
				}
			}
			cum += days[d]
			if d < from {
				continue
			}
			rem := int64(0)
			if q != nil {
				rem = max(limit-cum, 0)
			}
			rows = append(rows, []int64{days[d], rem})
		}
		out[id] = rows
	}
	return out, nil
}

func keysWithUsage(tx store.Tx, account, region, planID string, from, to dayNum) ([]string, error) {
	seen := map[string]bool{}
	err := tx.Scan(TableUsage, store.Prefix(account, region, planID), func(key string, _ []byte) bool {
		p := strings.Split(key, "/")
		if len(p) == 5 {
			if d, ok := parseDay(p[4]); ok && d >= from && d <= to {
				seen[p[3]] = true
			}
		}
		return true
	})
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, err
}

// SetRemaining sets what is left of k's quota in the window of q that
// holds now (UpdateUsage's "replace /remaining" [D: "Grants a temporary
// extension to the remaining quota"]), and returns the window's count and
// the new remaining. It works from what Sync has written; the data plane
// sees the change at its next Sync.
func SetRemaining(tx store.Tx, k Key, q Settings, now time.Time, remaining int64) (used, rem int64, err error) {
	st, en := q.Window(now)
	ws := dayOf(st)
	days, err := readDays(tx, k, ws, dayOf(en))
	if err != nil {
		return 0, 0, err
	}
	for _, n := range days {
		used += n
	}
	rem = max(remaining, 0)
	extra := rem - (q.Limit - used)
	if extra == 0 {
		err = tx.Delete(TableAdjust, adjustKey(k, ws))
	} else {
		err = store.PutJSON(tx, TableAdjust, adjustKey(k, ws), adjustRecord{Extra: extra})
	}
	return used, rem, err
}

// DeletePlan removes every count and adjustment of a usage plan (for
// DeleteUsagePlan).
func DeletePlan(tx store.Tx, account, region, planID string) error {
	for _, t := range []string{TableUsage, TableAdjust} {
		if _, err := tx.DeletePrefix(t, store.Prefix(account, region, planID)); err != nil {
			return err
		}
	}
	return nil
}

// DeleteKey removes an API key's counts and adjustments in a plan (for
// DeleteUsagePlanKey and DeleteApiKey).
func DeleteKey(tx store.Tx, account, region, planID, keyID string) error {
	for _, t := range []string{TableUsage, TableAdjust} {
		if _, err := tx.DeletePrefix(t, store.Prefix(account, region, planID, keyID)); err != nil {
			return err
		}
	}
	return nil
}
