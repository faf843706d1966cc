// The WebSocket endpoint: authenticates the upgrade, then ties each connection to the hub.
#include "live/live_routes.h"

namespace sl::live {

namespace {

// One connection: the transport's calls (net/websocket.h) become hub calls.
class LiveConnection final : public net::WsHandler {
 public:
  LiveConnection(Hub& hub, Viewer viewer) : hub_(hub), viewer_(std::move(viewer)) {}

  void on_open(const std::shared_ptr<net::WsSession>& session) override {
    viewer_.remote_addr = session->remote_addr().empty() ? viewer_.remote_addr : session->remote_addr();
    client_ = hub_.connect(session, std::move(viewer_));
  }
  void on_text(std::string_view message) override {
    if (client_) hub_.receive(*client_, message);
  }
  void on_close() override {
    if (client_) hub_.disconnect(*client_);
    client_.reset();  // drops the session: no cycle between connection, handler and hub
  }

 private:
  Hub& hub_;
  Viewer viewer_;
  std::shared_ptr<Client> client_;
};

}  // namespace

void register_routes(net::Router& router, Hub& hub, Authenticate authenticate, const net::WsOptions& options) {
  router.websocket(
      "/api/v1/live",
      [&hub, authenticate = std::move(authenticate)](net::HttpRequest& req) -> net::HttpResponse {
        Result<Viewer> viewer = authenticate(req);
        if (!viewer.ok()) return net::HttpResponse::problem(viewer.error(), req.path);
        viewer->remote_addr = req.remote_addr;
        return net::HttpResponse::accept_websocket(std::make_shared<LiveConnection>(hub, std::move(*viewer)));
      },
      options);
}

}  // namespace sl::live
