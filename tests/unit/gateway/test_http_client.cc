#include "tests/unit/gateway/test_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crm::testing {

std::string BuildRequest(
    const std::string& method, const std::string& target,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string request =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: localhost\r\n");
  for (const auto& [name, value] : headers) {
    absl::StrAppend(&request, name, ": ", value, "\r\n");
  }
  if (!body.empty() || method == "POST") {
    absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  return request;
}

TestHttpConnection::TestHttpConnection(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return;
  }
  fd_ = fd;
}

TestHttpConnection::~TestHttpConnection() {
  if (fd_ >= 0) close(fd_);
}

bool TestHttpConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool TestHttpConnection::Fill() {
  char chunk[16384];
  for (;;) {
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

std::optional<std::string> TestHttpConnection::ReadHead() {
  if (fd_ < 0) return std::nullopt;
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  std::string head = buffer_.substr(0, header_end + 4);
  buffer_.erase(0, header_end + 4);
  return head;
}

std::optional<TestHttpResponse> TestHttpConnection::ReadResponse() {
  std::optional<std::string> head_block = ReadHead();
  if (!head_block.has_value()) return std::nullopt;
  std::string head = head_block->substr(0, head_block->size() - 4);
  std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
  TestHttpResponse response;
  std::vector<std::string> status_line =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    return std::nullopt;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) return std::nullopt;
    response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  if (absl::AsciiStrToLower(response.Header("transfer-encoding")) ==
      "chunked") {
    while (true) {
      std::optional<std::string> chunk = ReadChunk();
      if (!chunk.has_value()) return std::nullopt;
      if (chunk->empty()) return response;
      response.body.append(*chunk);
    }
  }
  // 204 and 304 have no body (and no Content-Length).
  if (response.status == 204 || response.status == 304) return response;
  size_t length = 0;
  if (!absl::SimpleAtoi(response.Header("content-length"), &length)) {
    return std::nullopt;
  }
  while (buffer_.size() < length) {
    if (!Fill()) return std::nullopt;
  }
  response.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return response;
}

std::optional<std::string> TestHttpConnection::ReadChunk() {
  size_t line_end;
  while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  size_t size = 0;
  if (!absl::SimpleHexAtoi(buffer_.substr(0, line_end), &size)) {
    return std::nullopt;
  }
  const size_t needed = line_end + 2 + size + 2;
  while (buffer_.size() < needed) {
    if (!Fill()) return std::nullopt;
  }
  if (buffer_.compare(needed - 2, 2, "\r\n") != 0) return std::nullopt;
  std::string data = buffer_.substr(line_end + 2, size);
  buffer_.erase(0, needed);
  return data;
}

bool TestHttpConnection::PeerClosed(int timeout_ms) {
  if (!buffer_.empty()) return false;
  pollfd pfd{fd_, POLLIN, 0};
  if (poll(&pfd, 1, timeout_ms) <= 0) return false;
  char c;
  ssize_t n = recv(fd_, &c, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

std::optional<TestHttpResponse> HttpCall(
    int port, const std::string& method, const std::string& target,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  TestHttpConnection connection(port);
  if (!connection.connected()) return std::nullopt;
  if (!connection.Send(BuildRequest(method, target, body, headers))) {
    return std::nullopt;
  }
  return connection.ReadResponse();
}

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    std::abort();
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace crm::testing
