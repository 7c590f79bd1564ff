//! Well-known database and cache ports, for interfaces that are not managed databases.

/// `(port, engine)`: the default TCP ports of common self-hosted databases, caches and search engines.
pub static DATABASE_PORTS: &[(u16, &str)] = &[
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (2379, "etcd"),
    (3306, "MySQL/MariaDB"),
    (5432, "PostgreSQL"),
    (5984, "CouchDB"),
    (6379, "Redis/Valkey"),
    (7000, "Cassandra (inter-node)"),
    (7474, "Neo4j"),
    (8086, "InfluxDB"),
    (8529, "ArangoDB"),
    (9042, "Cassandra"),
    (9200, "Elasticsearch/OpenSearch"),
    (9300, "Elasticsearch/OpenSearch (transport)"),
    (11211, "Memcached"),
    (26257, "CockroachDB"),
    (27017, "MongoDB"),
    (28015, "RethinkDB"),
    (50000, "DB2"),
];
