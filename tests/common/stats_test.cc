#include "common/stats.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

TEST(StatsTest, SameNameGivesSameCounter) {
  Stats stats;
  Counter& a = stats.counter("listener.https.downstream_rq_total");
  Counter& b = stats.counter("listener.https.downstream_rq_total");
  EXPECT_EQ(&a, &b);
  a.inc();
  b.inc(2);
  EXPECT_EQ(stats.value("listener.https.downstream_rq_total"), 3);
  EXPECT_EQ(stats.value("no.such.stat"), -1);
}

TEST(StatsTest, RendersPrometheusTextWithHelpAndType) {
  Stats stats;
  stats.counter("cluster.web.upstream_rq_5xx", "upstream 5xx answers").inc(4);
  stats.gauge("listener.https.downstream_cx_active").set(2);
  const std::string text = stats.renderPrometheus();
  EXPECT_NE(text.find("# HELP bulwark_cluster_web_upstream_rq_5xx upstream 5xx answers\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE bulwark_cluster_web_upstream_rq_5xx counter\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nbulwark_cluster_web_upstream_rq_5xx 4\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE bulwark_listener_https_downstream_cx_active gauge\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nbulwark_listener_https_downstream_cx_active 2\n"), std::string::npos);
}

TEST(StatsTest, RendersJsonObject) {
  Stats stats;
  stats.counter("a.b").inc();
  stats.gauge("c.d").set(-3);
  EXPECT_EQ(stats.renderJson(), "{\"a.b\":1,\"c.d\":-3}");
}

TEST(StatsTest, NamesWithOddCharactersStayValidPrometheusNames) {
  Stats stats;
  stats.counter("listener.demo-web.rq").inc();
  EXPECT_NE(stats.renderPrometheus().find("\nbulwark_listener_demo_web_rq 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace bulwark
