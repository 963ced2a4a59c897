package kaizen.change_windows_test

import data.kaizen.change_windows

dated := {
	"id": "release-train",
	"scope": "checkout",
	"opens_at": "2026-11-21T02:00:00Z",
	"closes_at": "2026-11-21T04:00:00Z",
}

weekend := {
	"id": "weekend",
	"scope": "*",
	"weekly": {"days": ["Saturday", "Sunday"], "start": "02:00", "end": "04:00"},
}

test_empty_calendar_is_closed if {
	s := change_windows.status with input as {"service": "checkout", "now": "2026-11-21T03:00:00Z"}
		with data.kaizen.change_windows.calendar as []
	s == {"open": false}
}

test_dated_window_open_inside if {
	s := change_windows.status with input as {"service": "checkout", "now": "2026-11-21T03:00:00Z"}
		with data.kaizen.change_windows.calendar as [dated]
	s.open
	s.window.id == "release-train"
}

test_dated_window_not_for_other_service if {
	s := change_windows.status with input as {"service": "search", "now": "2026-11-21T03:00:00Z"}
		with data.kaizen.change_windows.calendar as [dated]
	not s.open
}

test_before_window_reports_next_opening if {
	s := change_windows.status with input as {"service": "checkout", "now": "2026-11-20T23:00:00Z"}
		with data.kaizen.change_windows.calendar as [dated]
	not s.open
	s.next_opens_at == "2026-11-21T02:00:00Z"
}

test_closing_instant_is_closed if {
	s := change_windows.status with input as {"service": "checkout", "now": "2026-11-21T04:00:00Z"}
		with data.kaizen.change_windows.calendar as [dated]
	not s.open
}

test_weekly_window_open_on_saturday_night if {
	# 2026-11-21 is a Saturday.
	s := change_windows.status with input as {"service": "anything", "now": "2026-11-21T02:30:00Z"}
		with data.kaizen.change_windows.calendar as [weekend]
	s.open
	s.window.id == "weekend"
}

test_weekly_window_closed_on_friday if {
	s := change_windows.status with input as {"service": "anything", "now": "2026-11-20T02:30:00Z"}
		with data.kaizen.change_windows.calendar as [weekend]
	not s.open
}
