"""The joint reward and punishment lifecycle: initiate, push, execute, feedback, disputes, repair, reports."""
