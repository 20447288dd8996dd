"""Alerts: the cycle (judge the rules, claim), delivery (post, exactly once), the schedule (APScheduler), the job."""
