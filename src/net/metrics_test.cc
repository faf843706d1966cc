#include "net/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace sl::net {
namespace {

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

TEST(MetricsTest, CountsAndHistogram) {
  Metrics m;
  m.register_route("GET", "/api/v1/orgs/{id}");
  m.observe("GET", "/api/v1/orgs/{id}", 200, 0.0007);
  m.observe("GET", "/api/v1/orgs/{id}", 404, 0.3);
  m.observe("BREW", "/coffee", 418, 0.001);
  m.connection_opened();
  m.connection_opened();
  m.connection_closed();
  m.add_gauge("shangliang_db_pool_in_use", "Connections in use.", [] { return 3.0; });
  std::string out = m.render();
  EXPECT_TRUE(contains(out, "shangliang_http_requests_total{method=\"GET\",route=\"/api/v1/orgs/{id}\",code=\"2xx\"} 1\n")) << out;
  EXPECT_TRUE(contains(out, "shangliang_http_requests_total{method=\"GET\",route=\"/api/v1/orgs/{id}\",code=\"4xx\"} 1\n"));
  EXPECT_TRUE(contains(out, "shangliang_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/orgs/{id}\",le=\"0.0005\"} 0\n"));
  EXPECT_TRUE(contains(out, "shangliang_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/orgs/{id}\",le=\"0.001\"} 1\n"));
  EXPECT_TRUE(contains(out, "shangliang_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/orgs/{id}\",le=\"0.5\"} 2\n"));
  EXPECT_TRUE(contains(out, "shangliang_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/orgs/{id}\",le=\"+Inf\"} 2\n"));
  EXPECT_TRUE(contains(out, "shangliang_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/orgs/{id}\"} 2\n"));
  EXPECT_TRUE(contains(out, "shangliang_http_request_duration_seconds_sum{method=\"GET\",route=\"/api/v1/orgs/{id}\"} 0.3007"));
  // Unknown method and route are folded into bounded labels.
  EXPECT_TRUE(contains(out, "shangliang_http_requests_total{method=\"OTHER\",route=\"other\",code=\"4xx\"} 1\n")) << out;
  EXPECT_FALSE(contains(out, "/coffee"));
  EXPECT_TRUE(contains(out, "shangliang_http_open_connections 1\n"));
  EXPECT_TRUE(contains(out, "shangliang_http_connections_total 2\n"));
  EXPECT_TRUE(contains(out, "# TYPE shangliang_db_pool_in_use gauge\nshangliang_db_pool_in_use 3\n"));
}

TEST(MetricsTest, ConcurrentObserve) {
  Metrics m;
  m.register_route("GET", "/a");
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) m.observe("GET", i % 2 ? "/a" : "/b", 200, 0.001);
    });
  }
  for (auto& t : ts) t.join();
  std::string out = m.render();
  EXPECT_TRUE(contains(out, "{method=\"GET\",route=\"/a\",code=\"2xx\"} 20000\n")) << out;
  EXPECT_TRUE(contains(out, "{method=\"GET\",route=\"other\",code=\"2xx\"} 20000\n")) << out;
}

}  // namespace
}  // namespace sl::net
