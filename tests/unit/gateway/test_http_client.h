// A minimal blocking HTTP/1.1 client over a plain socket, for tests: it
// sends raw bytes and parses Content-Length-delimited responses, so tests
// can also send malformed requests and reuse one connection.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crm::testing {

struct TestHttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // Names lower-cased.
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// "METHOD target HTTP/1.1" with Host, Content-Length (when there is a body)
// and `headers`.
std::string BuildRequest(
    const std::string& method, const std::string& target,
    const std::string& body = "",
    const std::vector<std::pair<std::string, std::string>>& headers = {});

class TestHttpConnection {
 public:
  // Connects to 127.0.0.1:port; check connected().
  explicit TestHttpConnection(int port);
  ~TestHttpConnection();
  TestHttpConnection(const TestHttpConnection&) = delete;
  TestHttpConnection& operator=(const TestHttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes all of `bytes`; false on error.
  bool Send(const std::string& bytes);
  // Reads up to and including the blank line after the headers and returns
  // it (for interim responses such as 100 Continue); nullopt on EOF/error.
  std::optional<std::string> ReadHead();
  // Reads one response (Content-Length or chunked); nullopt on EOF, error,
  // or a 10 s timeout.
  std::optional<TestHttpResponse> ReadResponse();
  // Reads one chunk of a chunked body after ReadHead(): its data, "" for
  // the last chunk; nullopt on EOF, error or a malformed chunk.
  std::optional<std::string> ReadChunk();
  // True if the server has closed the connection (EOF within `timeout_ms`).
  bool PeerClosed(int timeout_ms = 2000);

 private:
  bool Fill();  // Reads more into buffer_; false on EOF/error.
  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection; nullopt if it fails.
std::optional<TestHttpResponse> HttpCall(
    int port, const std::string& method, const std::string& target,
    const std::string& body = "",
    const std::vector<std::pair<std::string, std::string>>& headers = {});

// A TCP port on 127.0.0.1 with nothing listening (bound, then released).
int UnusedPort();

}  // namespace crm::testing
