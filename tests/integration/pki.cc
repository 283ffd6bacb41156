#include "tests/integration/pki.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDays = "3";

std::string subjectAltNames(const std::vector<std::string>& names) {
  std::string out = "subjectAltName=";
  for (const auto& name : names) {
    out += "DNS:" + name + ",";
  }
  return out + "IP:127.0.0.1";
}

} // namespace

void runOpenssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = runCommand(argv, 60s);
  if (result.exit_code != 0) {
    std::string command;
    for (const auto& a : argv) {
      command += a + " ";
    }
    throw std::runtime_error(command + "failed: " + result.out + result.err);
  }
}

Pki::Pki(const TempDir& dir, const std::string& common_name, const std::string& tag)
    : dir_(dir.file("pki-" + tag)) {
  std::filesystem::create_directories(dir_);
  ca_.key = makeKey("ca", KeyType::EcdsaP256);
  ca_.cert = dir_ + "/ca.crt";
  runOpenssl({"req", "-x509", "-new", "-key", ca_.key, "-out", ca_.cert, "-days", kDays, "-subj",
              "/CN=" + common_name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
              "keyUsage=critical,keyCertSign,cRLSign"});
}

std::string Pki::makeKey(const std::string& stem, KeyType type) {
  const std::string key = dir_ + "/" + stem + ".key";
  if (type == KeyType::EcdsaP256) {
    runOpenssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key});
  } else {
    runOpenssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key});
  }
  return key;
}

std::string Pki::writeExtensions(const std::string& stem, const std::vector<std::string>& names) {
  const std::string path = dir_ + "/" + stem + ".ext";
  std::ofstream out(path);
  out << "basicConstraints=CA:FALSE\n"
      << "keyUsage=critical,digitalSignature,keyEncipherment\n"
      << "extendedKeyUsage=serverAuth\n"
      << subjectAltNames(names) << "\n";
  return path;
}

CertFiles Pki::issue(const std::vector<std::string>& names, KeyType type) {
  const std::string stem = "leaf" + std::to_string(++serial_);
  CertFiles files;
  files.key = makeKey(stem, type);
  files.cert = dir_ + "/" + stem + ".crt";
  const std::string csr = dir_ + "/" + stem + ".csr";
  runOpenssl({"req", "-new", "-key", files.key, "-out", csr, "-subj", "/CN=" + names.at(0)});
  runOpenssl({"x509", "-req", "-in", csr, "-CA", ca_.cert, "-CAkey", ca_.key, "-set_serial",
              std::to_string(1000 + serial_), "-days", kDays, "-sha256", "-out", files.cert,
              "-extfile", writeExtensions(stem, names)});
  return files;
}

CertFiles Pki::selfSigned(const std::vector<std::string>& names, KeyType type) {
  const std::string stem = "self" + std::to_string(++serial_);
  CertFiles files;
  files.key = makeKey(stem, type);
  files.cert = dir_ + "/" + stem + ".crt";
  runOpenssl({"req", "-x509", "-new", "-key", files.key, "-out", files.cert, "-days", kDays,
              "-subj", "/CN=" + names.at(0), "-addext", subjectAltNames(names)});
  return files;
}

} // namespace bulwark::testing
