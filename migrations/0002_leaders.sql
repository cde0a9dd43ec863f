-- Leadership of maintenance tasks (the reaper): at most one holder per name, with an expiry on
-- the database clock. A holder renews before expires_at; when it dies, any other worker takes
-- the row over once it has expired. A row, not an advisory lock, so leadership survives
-- connection poolers and is visible to operators:  SELECT * FROM wharf.leaders;
CREATE TABLE leaders (
    name       text        PRIMARY KEY,
    holder     text        NOT NULL,
    elected_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
