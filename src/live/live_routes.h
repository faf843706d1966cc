// GET /api/v1/live: the WebSocket endpoint of the live hub (protocol: docs/api/live.md).
#pragma once

#include <functional>

#include "live/hub.h"
#include "net/router.h"
#include "net/websocket.h"

namespace sl::live {

// Who is asking to connect: the viewer behind the request's session (not signed in: person 0),
// or an error that refuses the upgrade (e.g. a cross-site request carrying a session cookie).
using Authenticate = std::function<Result<Viewer>(const net::HttpRequest& req)>;

void register_routes(net::Router& router, Hub& hub, Authenticate authenticate, const net::WsOptions& options);

}  // namespace sl::live
