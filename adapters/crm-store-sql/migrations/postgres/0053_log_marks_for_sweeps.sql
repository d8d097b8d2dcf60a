-- A reader of the log sweeps every company every 30 s in case a wake-up was lost. It used to
-- ask each company in turn for its replays, its cursor and its new events (three round
-- trips per reader and company: at a thousand companies, an idle server's bursts). It now
-- reads, in one statement under the platform's setting, every company's last sequence
-- number, its cursor and whether a replay waits, and visits only the companies with
-- something to read. The platform may read these three tables (read only: every write stays
-- behind the company's wall). They hold sequence numbers, readers' names and times, and the
-- parked events' error texts, which the sweep does not select; no contact's fields.
CREATE POLICY platform_reads ON event_counters FOR SELECT
    USING (current_setting('app.platform', true) = 'on');
CREATE POLICY platform_reads ON consumer_cursors FOR SELECT
    USING (current_setting('app.platform', true) = 'on');
CREATE POLICY platform_reads ON parked_events FOR SELECT
    USING (current_setting('app.platform', true) = 'on');
