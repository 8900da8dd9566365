// Command pause is the node's pod sandbox image (registry.k8s.io/pause:3.6 to containerd): it
// holds a pod's namespaces open and does nothing else until it is told to stop. No registry is
// reachable here, so the stack builds it, statically, instead of pulling it.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
