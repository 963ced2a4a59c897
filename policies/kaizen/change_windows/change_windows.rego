# METADATA
# title: Change-window calendar
# description: |
#   Whether the calendar in data.kaizen.change_windows.calendar has a window
#   open for a service at input.now, and when the next dated one opens.
#   Entries are either dated ({"opens_at", "closes_at"} in RFC 3339) or weekly
#   ({"weekly": {"days": ["Saturday"], "start": "02:00", "end": "04:00"}}, UTC).
#   The shipped calendar is empty: runs that need a window wait for an operator.
package kaizen.change_windows

now_ns := time.parse_rfc3339_ns(input.now)

in_scope(window) if window.scope == "*"

in_scope(window) if window.scope == input.service

open_now(window) if {
	now_ns >= time.parse_rfc3339_ns(window.opens_at)
	now_ns < time.parse_rfc3339_ns(window.closes_at)
}

open_now(window) if {
	time.weekday(now_ns) in window.weekly.days
	[hour, minute, _] := time.clock(now_ns)
	minute_of_day := (hour * 60) + minute
	minute_of_day >= minutes(window.weekly.start)
	minute_of_day < minutes(window.weekly.end)
}

minutes(hh_mm) := (to_number(parts[0]) * 60) + to_number(parts[1]) if {
	parts := split(hh_mm, ":")
}

open_windows contains window if {
	some window in data.kaizen.change_windows.calendar
	in_scope(window)
	open_now(window)
}

upcoming contains window.opens_at if {
	some window in data.kaizen.change_windows.calendar
	in_scope(window)
	time.parse_rfc3339_ns(window.opens_at) > now_ns
}

default status := {"open": false}

status := {"open": true, "window": sort_by_id[0]} if {
	count(open_windows) > 0
} else := {"open": false, "next_opens_at": next_opening} if {
	count(upcoming) > 0
}

sort_by_id := [window |
	some id in sort([w.id | some w in open_windows])
	some window in open_windows
	window.id == id
]

next_opening := opening if {
	earliest := min({time.parse_rfc3339_ns(t) | some t in upcoming})
	some opening in upcoming
	time.parse_rfc3339_ns(opening) == earliest
}
