// The embedded default is what `bulwark run` uses without -c: it must load with no file on disk
// and mean what its comments say.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"

namespace bulwark::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class EmbeddedDefaultTest : public ::testing::Test {
protected:
  void SetUp() override {
    for (const auto& error : result_.errors) {
      ADD_FAILURE() << error.toString();
    }
  }

  LoadResult result_ = loadEmbeddedDefault();
};

TEST_F(EmbeddedDefaultTest, LoadsWithoutErrorsOrWarnings) {
  EXPECT_TRUE(result_.ok());
  EXPECT_THAT(result_.warnings, IsEmpty());
  EXPECT_EQ(result_.config.source, "<embedded default>");
}

TEST_F(EmbeddedDefaultTest, ServesHttpsWithSelfSignedCertificateOnLoopback) {
  EXPECT_EQ(result_.config.workers, 0U);
  EXPECT_EQ(result_.config.admin.address.toString(), "127.0.0.1:9901");
  ASSERT_EQ(result_.config.listeners.size(), 2U);
  const Listener& https = result_.config.listeners[0];
  EXPECT_EQ(https.name, "https");
  EXPECT_EQ(https.address.toString(), "127.0.0.1:8443");
  ASSERT_TRUE(https.tls.has_value());
  EXPECT_TRUE(https.tls->self_signed);
  EXPECT_THAT(https.tls->certificates, IsEmpty());
  EXPECT_EQ(https.tls->policy, TlsPolicy::Strict);
  EXPECT_EQ(https.tls->hsts, "max-age=63072000; includeSubDomains");
  ASSERT_EQ(https.routes.size(), 1U);
  EXPECT_EQ(https.routes[0].path_prefix, "/");
  EXPECT_EQ(https.routes[0].cluster, "demo");
}

TEST_F(EmbeddedDefaultTest, RedirectsHttpToHttps) {
  ASSERT_EQ(result_.config.listeners.size(), 2U);
  const Listener& http = result_.config.listeners[1];
  EXPECT_EQ(http.name, "http");
  EXPECT_EQ(http.address.toString(), "127.0.0.1:8080");
  EXPECT_FALSE(http.tls.has_value());
  EXPECT_EQ(http.redirect_to_https, std::optional<uint16_t>(8443));
}

TEST_F(EmbeddedDefaultTest, RoutesToDemoUpstream) {
  ASSERT_EQ(result_.config.clusters.size(), 1U);
  const Cluster& demo = result_.config.clusters[0];
  EXPECT_EQ(demo.name, "demo");
  ASSERT_EQ(demo.endpoints.size(), 1U);
  EXPECT_EQ(demo.endpoints[0].address.toString(), "127.0.0.1:9180");
  EXPECT_FALSE(demo.health_check.has_value());
  ASSERT_TRUE(result_.config.demo_upstream.has_value());
  EXPECT_EQ(result_.config.demo_upstream->address.toString(), "127.0.0.1:9180");
  EXPECT_EQ(result_.config.logging.access_log, "stdout");
  EXPECT_THAT(result_.config.tenants, IsEmpty());
}

TEST_F(EmbeddedDefaultTest, IsCommentedForUsersWhoCopyIt) {
  const std::string& text = embeddedDefaultConfigText();
  EXPECT_THAT(text, HasSubstr("# Bulwark"));
  EXPECT_THAT(text, HasSubstr("bulwark config check"));
}

} // namespace
} // namespace bulwark::config
